"""Evidence files of inspections: only images and PDF, at most 10 MB, stored under random names.

The type is decided by the file's first bytes, not by its name or the browser's word, and the
extension must agree with it. Files are never served by the web server from MEDIA_URL: the API
streams them as downloads with the detected type and `nosniff`, so an upload can never be
rendered as HTML (see stations.station_api).
"""

import uuid
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
# content type → (extensions, leading bytes)
EVIDENCE_TYPES: dict[str, tuple[tuple[str, ...], tuple[bytes, ...]]] = {
    "image/jpeg": ((".jpg", ".jpeg"), (b"\xff\xd8\xff",)),
    "image/png": ((".png",), (b"\x89PNG\r\n\x1a\n",)),
    "image/webp": ((".webp",), (b"RIFF",)),
    "application/pdf": ((".pdf",), (b"%PDF-",)),
}
EXTENSION_TYPES = {
    extension: content_type
    for content_type, (extensions, _magic) in EVIDENCE_TYPES.items()
    for extension in extensions
}


def _head(file, size: int = 16) -> bytes:
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    head = file.read(size)
    file.seek(position)
    return head


def sniff_content_type(file) -> str | None:
    """The evidence type the file's first bytes show, or None when it is none of them."""
    head = _head(file)
    for content_type, (_extensions, magics) in EVIDENCE_TYPES.items():
        if any(head.startswith(magic) for magic in magics):
            if content_type == "image/webp" and head[8:12] != b"WEBP":
                continue
            return content_type
    return None


def validate_evidence_file(file) -> None:
    """An image (JPEG, PNG, WebP) or PDF of at most 10 MB whose name matches its content."""
    if file.size > MAX_EVIDENCE_BYTES:
        raise ValidationError(
            _("The file is larger than the limit of %(limit)d MB."),
            code="evidence_too_large",
            params={"limit": MAX_EVIDENCE_BYTES // (1024 * 1024)},
        )
    extension = PurePath(file.name or "").suffix.lower()
    sniffed = sniff_content_type(file)
    if sniffed is None or EXTENSION_TYPES.get(extension) != sniffed:
        raise ValidationError(
            _("Only JPEG, PNG or WebP images and PDF files are accepted as evidence."),
            code="evidence_type",
        )


def evidence_upload_to(instance, filename: str) -> str:
    """A random name under the month's folder; the person's file name is kept in the row only."""
    extension = PurePath(filename).suffix.lower()
    if extension not in EXTENSION_TYPES:
        extension = ""
    return timezone.localdate().strftime(f"station-evidence/%Y/%m/{uuid.uuid4().hex}{extension}")
