"""PDF documents with Chinese text (reportlab).

The font is embedded: WenQuanYi Zen Hei from Debian's fonts-wqy-zenhei (TrueType outlines, which
reportlab can embed; Noto CJK's CFF outlines it cannot), installed by the project's set-up
(.ci/run, and the README for servers). Where it is missing, the standard CID font STSong-Light is
used instead: the text is right, but a reader without Chinese fonts shows boxes. Nothing is
fetched at run time.
"""

import io
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

EMBEDDED_FONT = "WenQuanYiZenHei"
FALLBACK_FONT = "STSong-Light"
FONT_CANDIDATES = [
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc"),
]


def cjk_font_path() -> Path | None:
    """The embeddable Chinese font, or None where fonts-wqy-zenhei is not installed."""
    return next((path for path in FONT_CANDIDATES if path.exists()), None)


def register_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont

    registered = pdfmetrics.getRegisteredFontNames()
    path = cjk_font_path()
    if path is not None:
        if EMBEDDED_FONT not in registered:
            pdfmetrics.registerFont(TTFont(EMBEDDED_FONT, str(path), subfontIndex=0))
        return EMBEDDED_FONT
    if FALLBACK_FONT not in registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return FALLBACK_FONT


def simple_pdf(
    *,
    title: str,
    paragraphs: Sequence[str] = (),
    table: Sequence[Sequence] | None = None,
    footer: str = "",
) -> bytes:
    """A one-column A4 document: a title, paragraphs, an optional table with a header row.

    Everything is plain text, escaped here: reportlab paragraphs read a little markup, and a
    name like "阳光<b" would otherwise fail the whole document.
    """
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = register_font()
    heading = ParagraphStyle("heading", fontName=font, fontSize=16, leading=22, spaceAfter=8)
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16)
    small = ParagraphStyle("small", fontName=font, fontSize=8.5, leading=12)
    story = [Paragraph(escape(title), heading)]
    story += [Paragraph(escape(text), body) for text in paragraphs]
    if table:
        story.append(Spacer(1, 4 * mm))
        cells = [
            [Paragraph("" if v is None else escape(str(v)), small) for v in row] for row in table
        ]
        grid = Table(cells, repeatRows=1)
        grid.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef3")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story.append(grid)
    if footer:
        story += [Spacer(1, 6 * mm), Paragraph(escape(footer), small)]
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, title=title
    ).build(story)
    return buffer.getvalue()
