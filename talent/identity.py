"""What a resident ID number (GB 11643) says about its holder: birth date and gender.

Only call these on a number that passed `stations.validators.validate_id_number`.
"""

import datetime

from talent.models import Worker


def id_number_birth_date(id_number: str) -> datetime.date:
    """Digits 7-14 are the birth date, YYYYMMDD."""
    return datetime.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def id_number_gender(id_number: str) -> str:
    """The 17th digit (the sequence number's last) is odd for men and even for women."""
    return Worker.Gender.MALE if int(id_number[16]) % 2 == 1 else Worker.Gender.FEMALE


def age_on(birth_date: datetime.date, on: datetime.date) -> int:
    """Full years of age on a date (a 29 February birthday falls on 28 February)."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
