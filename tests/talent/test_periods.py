"""Anniversaries and registration periods, 29 February included."""

import datetime

import pytest

from talent.identity import age_on
from talent.periods import add_years, held_since_cutoff, registration_end, required_hours

D = datetime.date


@pytest.mark.parametrize(
    ("_case", "day", "years", "expected"),
    [
        ("ordinary", D(2021, 6, 25), 3, D(2024, 6, 25)),
        ("leap_day_to_common_year", D(2024, 2, 29), 3, D(2027, 2, 28)),
        ("leap_day_to_leap_year", D(2020, 2, 29), 4, D(2024, 2, 29)),
        ("backwards", D(2024, 2, 29), -1, D(2023, 2, 28)),
    ],
)
def test_add_years(_case, day, years, expected):
    assert add_years(day, years) == expected


def test_the_cutoff_agrees_with_the_anniversary_on_every_day():
    disagreements = []
    first = D(2019, 1, 1)
    for offset in range(8 * 366):
        on = first + datetime.timedelta(days=offset)
        cutoff = held_since_cutoff(on, 3)
        for shift in (-2, -1, 0, 1, 2):
            start = cutoff + datetime.timedelta(days=shift)
            if (add_years(start, 3) <= on) != (start <= cutoff):
                disagreements.append((on, start))
    assert disagreements == []


@pytest.mark.parametrize(
    ("_case", "starts_on", "ends_on"),
    [
        ("ordinary", D(2023, 3, 1), D(2026, 2, 28)),
        ("into_a_leap_year", D(2021, 3, 1), D(2024, 2, 29)),
        ("from_a_leap_day", D(2024, 2, 29), D(2027, 2, 27)),
    ],
)
def test_a_registration_period_lasts_three_years(_case, starts_on, ends_on):
    assert registration_end(starts_on) == ends_on


def test_required_hours_default_and_setting(settings):
    defaults = (
        required_hours("assistant"),
        required_hours("intermediate"),
        required_hours("senior"),
    )
    settings.TALENT_CONTINUING_EDUCATION_HOURS = {"assistant": 60}

    assert defaults == (72, 90, 90)
    assert (required_hours("assistant"), required_hours("senior")) == (60, 90)


@pytest.mark.parametrize(
    ("_case", "on", "age"),
    [("day_before", D(2030, 5, 16), 39), ("birthday", D(2030, 5, 17), 40)],
)
def test_age_on(_case, on, age):
    assert age_on(D(1990, 5, 17), on) == age
