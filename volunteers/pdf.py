"""The proof of volunteer service (志愿服务记录证明) as a PDF, through the shared CJK helper
(stations.pdf: reportlab with WenQuanYi Zen Hei embedded)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from stations.pdf import cjk_font_path, simple_pdf
from volunteers.models import IssuedProof


@dataclass(frozen=True)
class ProofLine:
    date: datetime.date
    title: str
    organiser: str
    hours: Decimal


def font_available() -> bool:
    """Whether the embeddable Chinese font is installed (else readers may show boxes)."""
    return cjk_font_path() is not None


def format_hours(value: Decimal) -> str:
    return f"{value:.2f}"


def render_proof(proof: IssuedProof, lines: list[ProofLine]) -> bytes:
    """The PDF of an issued proof, in the platform's language (the proof is an official paper)."""
    with translation.override(settings.LANGUAGE_CODE):
        body = _(
            "This is to certify that volunteer %(name)s (national volunteer number: "
            "%(number)s) served %(hours)s verified hours in %(count)d activities between "
            "%(start)s and %(end)s."
        ) % {
            "name": proof.volunteer.name,
            "number": proof.volunteer.national_number or "-",
            "hours": format_hours(proof.total_hours),
            "count": proof.activity_count,
            "start": proof.period_start.isoformat(),
            "end": proof.period_end.isoformat(),
        }
        issued_on = timezone.localtime(proof.issued_at).date().isoformat()
        table = [
            [_("Date"), _("Activity"), _("Organiser"), _("Hours")],
            *[
                [
                    line.date.isoformat(),
                    line.title,
                    line.organiser,
                    format_hours(line.hours),
                ]
                for line in lines
            ],
        ]
        return simple_pdf(
            title=_("Proof of volunteer service"),
            paragraphs=[
                _("Serial number: %(serial)s") % {"serial": proof.serial},
                body,
                _("Issued by: %(issuer)s") % {"issuer": proof.issuer_name},
                _("Date of issue: %(date)s") % {"date": issued_on},
            ],
            table=table,
            footer=_(
                "Only hours verified by the recording organisation are counted. Check this "
                "proof at /verify/%(serial)s/ on the platform."
            )
            % {"serial": proof.serial},
        )
