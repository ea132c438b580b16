"""Date arithmetic for certificates: anniversaries, registration periods and required hours.

Periods follow the Civil Code (民法典 art. 202): a period in years ends on the corresponding day
of the last year, or on the last day of the month when that day does not exist, so a date held
from 29 February reaches its anniversary on 28 February of a common year.
"""

import datetime
from calendar import isleap
from decimal import Decimal

from django.conf import settings

# A certificate registration (注册登记) is valid 3 years, then renewed (再登记).
REGISTRATION_YEARS = 3
# Continuing-education hours required in each registration period, by certificate level.
# Assumption: the seeds give no figure; these are the national rule (民政部《社会工作者继续教育
# 办法》: assistant 72 hours, intermediate and senior 90 hours per 3-year period). A deployment
# overrides them with the setting TALENT_CONTINUING_EDUCATION_HOURS = {"assistant": 72, ...}.
DEFAULT_REQUIRED_HOURS = {"assistant": 72, "intermediate": 90, "senior": 90}


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same day `years` later (or earlier); 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def held_since_cutoff(on: datetime.date, years: int) -> datetime.date:
    """The latest date from which something has been held `years` full years on `on`.

    Exactly: `add_years(start, years) <= on` if and only if `start <= held_since_cutoff(on, years)`,
    so the SQL filter and the Python rule agree on every day, 29 February included.
    """
    cutoff = add_years(on, -years)
    if (on.month, on.day) == (2, 28) and not isleap(on.year) and isleap(cutoff.year):
        # 29 February of the start year also reaches its anniversary on this 28 February.
        return cutoff.replace(day=29)
    return cutoff


def registration_end(starts_on: datetime.date) -> datetime.date:
    """The last day of a registration period starting on `starts_on`."""
    return add_years(starts_on, REGISTRATION_YEARS) - datetime.timedelta(days=1)


def required_hours(level: str) -> Decimal:
    """Continuing-education hours a registration period of `level` needs."""
    configured = getattr(settings, "TALENT_CONTINUING_EDUCATION_HOURS", None) or {}
    return Decimal(configured.get(level, DEFAULT_REQUIRED_HOURS.get(level, 0)))
