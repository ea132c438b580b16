"""Validators shared by every app: division codes, resident ID numbers, credit codes, passwords."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _

DIVISION_CODE_RE = re.compile(r"^\d{12}$")


def validate_division_code(value: str) -> None:
    """A statistical division code (统计用区划代码) is exactly 12 digits."""
    if not isinstance(value, str) or not DIVISION_CODE_RE.match(value):
        raise ValidationError(
            _("A division code must be exactly 12 digits, got “%(value)s”."),
            code="division_code_format",
            params={"value": value},
        )


# GB 11643-1999: weights 2^(17-i) mod 11 and the check characters for sums mod 11.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
ID_NUMBER_RE = re.compile(r"^\d{17}[\dX]$")


def id_number_check_character(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of a resident ID number."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def validate_id_number(value: str) -> None:
    """A resident ID number (居民身份证号): 18 characters, a real birth date, a valid check character."""
    if not isinstance(value, str) or len(value) != 18:
        raise ValidationError(_("A resident ID number has 18 characters."), code="id_number_length")
    if not ID_NUMBER_RE.match(value):
        raise ValidationError(
            _("A resident ID number is 17 digits followed by a digit or X."),
            code="id_number_format",
        )
    try:
        datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(
            _("The birth date in this resident ID number does not exist."),
            code="id_number_birth_date",
        ) from None
    if id_number_check_character(value[:17]) != value[17]:
        raise ValidationError(
            _("The check digit of this resident ID number is wrong."), code="id_number_checksum"
        )


# GB 32100-2015: 31 characters (no I, O, Z, S, V), weights 3^i mod 31.
_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
CREDIT_CODE_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def credit_code_check_character(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a unified social credit code."""
    total = sum(
        _CREDIT_ALPHABET.index(char) * weight
        for char, weight in zip(first17, _CREDIT_WEIGHTS, strict=True)
    )
    return _CREDIT_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """A unified social credit code (统一社会信用代码): 18 characters with a valid check character."""
    if not isinstance(value, str) or len(value) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters."), code="credit_code_length"
        )
    if not CREDIT_CODE_RE.match(value):
        raise ValidationError(
            _("A unified social credit code uses digits and capital letters except I, O, Z, S, V."),
            code="credit_code_format",
        )
    if credit_code_check_character(value[:17]) != value[17]:
        raise ValidationError(
            _("The check character of this unified social credit code is wrong."),
            code="credit_code_checksum",
        )


class CharacterClassPasswordValidator:
    """Requires letters, digits and at least one other kind (upper case, symbol) in a password."""

    def validate(self, password: str, user=None) -> None:
        classes = sum(
            [
                any(c.islower() for c in password),
                any(c.isupper() for c in password),
                any(c.isdigit() for c in password),
                any(not c.isalnum() for c in password),
            ]
        )
        if classes < 3:
            raise ValidationError(
                _gettext(
                    "A password must mix at least three of: lower-case letters, upper-case "
                    "letters, digits and symbols."
                ),
                code="password_character_classes",
            )

    def get_help_text(self) -> str:
        return _gettext(
            "Your password must mix at least three of: lower-case letters, upper-case letters, "
            "digits and symbols."
        )
