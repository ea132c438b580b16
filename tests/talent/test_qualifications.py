"""The Beijing and Jinan qualification rules at their boundaries; the SQL agrees with Python."""

import datetime

import pytest

from talent.models import Certificate, Worker
from talent.qualifications import (
    has_social_work_qualification,
    highest_certificate,
    is_professional_staff,
    with_qualifications,
)
from tests.talent.factories import make_certificate, make_worker

pytestmark = pytest.mark.django_db

D = datetime.date
Level = Certificate.Level
E = Worker.Education
M = Worker.Major


def flags(worker: Worker, on: datetime.date) -> tuple[bool, bool, bool, bool]:
    """(professional, social-work) from the pure functions, then from the annotation."""
    prefetched = Worker.objects.prefetch_related("certificates").get(pk=worker.pk)
    annotated = with_qualifications(Worker.objects.filter(pk=worker.pk), on).get()
    return (
        is_professional_staff(prefetched, on),
        has_social_work_qualification(prefetched, on),
        annotated.is_professional_staff,
        annotated.has_social_work_qualification,
    )


@pytest.mark.parametrize(
    ("_case", "obtained_on", "on", "professional"),
    [
        ("two_years_364_days", D(2021, 6, 25), D(2024, 6, 24), False),
        ("exactly_three_years", D(2021, 6, 25), D(2024, 6, 25), True),
        ("more_than_three_years", D(2021, 6, 25), D(2025, 1, 1), True),
        ("leap_day_one_day_short", D(2024, 2, 29), D(2027, 2, 27), False),
        ("leap_day_anniversary", D(2024, 2, 29), D(2027, 2, 28), True),
        ("feb_28_into_leap_year", D(2021, 2, 28), D(2024, 2, 28), True),
        ("mar_1_into_leap_year_short", D(2021, 3, 1), D(2024, 2, 29), False),
    ],
)
def test_assistant_certificate_counts_after_three_full_years(
    tree, _case, obtained_on, on, professional
):
    worker = make_worker(tree.comm_a1_urban, education=E.COLLEGE, major=M.OTHER)
    make_certificate(worker, Level.ASSISTANT, obtained_on=obtained_on)

    assert flags(worker, on) == (professional, True, professional, True)


@pytest.mark.parametrize("level", [Level.INTERMEDIATE, Level.SENIOR])
def test_an_intermediate_or_senior_certificate_counts_from_its_first_day(tree, level):
    worker = make_worker(tree.comm_a1_urban, education=E.BELOW_COLLEGE, major=M.OTHER)
    make_certificate(worker, level, obtained_on=D(2024, 9, 10))

    assert flags(worker, D(2024, 9, 10)) == (True, True, True, True)
    assert flags(worker, D(2024, 9, 9)) == (False, False, False, False)


@pytest.mark.parametrize(
    ("_case", "education", "major", "expected"),
    [
        ("bachelor_in_social_work", E.BACHELOR, M.SOCIAL_WORK, (True, True)),
        ("master_in_social_work", E.MASTER, M.SOCIAL_WORK, (True, True)),
        ("college_in_social_work", E.COLLEGE, M.SOCIAL_WORK, (False, True)),
        ("bachelor_in_related_major", E.BACHELOR, M.RELATED, (False, True)),
        ("college_in_related_major", E.COLLEGE, M.RELATED, (False, True)),
        ("below_college_in_social_work", E.BELOW_COLLEGE, M.SOCIAL_WORK, (False, False)),
        ("doctorate_in_other_major", E.DOCTORATE, M.OTHER, (False, False)),
    ],
)
def test_degrees_without_certificates(tree, _case, education, major, expected):
    worker = make_worker(tree.comm_a1_urban, education=education, major=major)
    assert flags(worker, D(2025, 1, 1)) == (*expected, *expected)


def test_any_certificate_gives_the_social_work_qualification_but_not_at_once_professional(tree):
    worker = make_worker(tree.comm_a1_urban, education=E.BELOW_COLLEGE, major=M.OTHER)
    make_certificate(worker, Level.ASSISTANT, obtained_on=D(2024, 9, 10))

    assert flags(worker, D(2024, 9, 10)) == (False, True, False, True)


def test_the_annotation_is_one_query_for_many_workers(tree, django_assert_num_queries):
    for number in range(5):
        worker = make_worker(tree.comm_a1_urban, name=f"工作者{number}")
        make_certificate(worker, Level.ASSISTANT, obtained_on=D(2019 + number, 9, 10))

    with django_assert_num_queries(1):
        professional = [
            worker.is_professional_staff
            for worker in with_qualifications(Worker.objects.order_by("name"), D(2024, 9, 10))
        ]

    assert professional == [True, True, True, False, False]


def test_the_highest_certificate_is_the_highest_level_held_on_the_day(tree):
    worker = make_worker(tree.comm_a1_urban)
    make_certificate(worker, Level.ASSISTANT, obtained_on=D(2018, 9, 10))
    make_certificate(worker, Level.INTERMEDIATE, obtained_on=D(2022, 9, 10))
    worker = Worker.objects.prefetch_related("certificates").get(pk=worker.pk)

    assert highest_certificate(worker, D(2022, 9, 10)).level == Level.INTERMEDIATE
    assert highest_certificate(worker, D(2022, 9, 9)).level == Level.ASSISTANT
    assert highest_certificate(worker, D(2018, 9, 9)) is None
