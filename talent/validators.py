"""Validators and masking for the talent records."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from stations.privacy import mask_id_number, mask_phone

# A mobile number (11 digits starting 13-19) or a landline with its area code (0477-8500001).
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def validate_phone(value: str) -> None:
    """A mainland mobile number or a landline with its area code."""
    if value and not PHONE_RE.match(value):
        raise ValidationError(
            _("Give an 11-digit mobile number or a landline with its area code (0477-8500001)."),
            code="phone_format",
        )


def mask_for_audit(value: str) -> str:
    """Masks an ID number or a phone in the audit trail, like the lists do."""
    value = str(value)
    if value in ("", "None"):  # no value before a create or after a clear
        return value
    return mask_id_number(value) if len(value) >= 15 else mask_phone(value)
