"""The national exam summary: registered and passed in a year, by area and level, scoped."""

import pytest

from talent.models import Certificate, ExamEntry
from talent.selectors import exam_summary
from tests.talent.factories import make_worker

pytestmark = pytest.mark.django_db

ASSISTANT = Certificate.Level.ASSISTANT
INTERMEDIATE = Certificate.Level.INTERMEDIATE
SENIOR = Certificate.Level.SENIOR


@pytest.fixture
def entries(tree):
    """2025: five entries in county A (one recorded at the county itself), one in county B."""
    for area, level, passed in [
        (tree.comm_a1_urban, ASSISTANT, True),
        (tree.comm_a1_rural, ASSISTANT, False),
        (tree.town_a2, ASSISTANT, None),
        (tree.comm_a2, INTERMEDIATE, True),
        (tree.county_a, SENIOR, True),
        (tree.comm_b1, ASSISTANT, True),
    ]:
        ExamEntry.objects.create(worker=make_worker(area), year=2025, level=level, passed=passed)
    # Another year: never counted in 2025.
    ExamEntry.objects.create(
        worker=make_worker(tree.comm_a1_urban), year=2024, level=ASSISTANT, passed=True
    )


def row(area, name, level, registered, passed) -> dict:
    return {
        "area": area,
        "area_name": name,
        "level": level,
        "registered": registered,
        "passed": passed,
    }


@pytest.mark.parametrize(
    ("_case", "actor", "expected"),
    [
        (
            "city_by_county",
            "city_admin",
            [
                row("150602000000", "东胜区", ASSISTANT, 3, 1),
                row("150602000000", "东胜区", INTERMEDIATE, 1, 1),
                row("150602000000", "东胜区", SENIOR, 1, 1),
                row("150603000000", "康巴什区", ASSISTANT, 1, 1),
            ],
        ),
        (
            "county_by_township_and_itself",
            "county_admin",
            [
                row("150602000000", "东胜区", SENIOR, 1, 1),
                row("150602001000", "交通街道", ASSISTANT, 2, 1),
                row("150602002000", "公园街道", ASSISTANT, 1, 0),
                row("150602002000", "公园街道", INTERMEDIATE, 1, 1),
            ],
        ),
        (
            "other_county_sees_only_its_own",
            "other_county_admin",
            [row("150603001000", "哈巴格希街道", ASSISTANT, 1, 1)],
        ),
        (
            "township_by_community",
            "township_admin",
            [
                row("150602001001", "巴音孟克社区", ASSISTANT, 1, 1),
                row("150602001201", "添尔漫梁村", ASSISTANT, 1, 0),
            ],
        ),
    ],
)
def test_the_summary_groups_by_child_area_and_level(api, entries, actors, _case, actor, expected):
    response = api(getattr(actors, actor)).get("/api/v1/exam-entries/summary/?year=2025")

    assert response.status_code == 200
    assert response.json() == expected


def test_the_summary_is_one_query(entries, actors, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = exam_summary(actor=actors.city_admin, year=2025)

    assert len(rows) == 4


def test_a_year_without_entries_is_empty(api, entries, actors):
    response = api(actors.city_admin).get("/api/v1/exam-entries/summary/?year=2023")

    assert (response.status_code, response.json()) == (200, [])


@pytest.mark.parametrize(("_case", "query"), [("missing", ""), ("not_a_year", "?year=abc")])
def test_the_summary_needs_a_year(api, entries, actors, _case, query):
    response = api(actors.city_admin).get(f"/api/v1/exam-entries/summary/{query}")

    assert response.status_code == 400
    assert list(response.json()) == ["year"]


def test_anonymous_gets_no_summary(api, entries):
    assert api().get("/api/v1/exam-entries/summary/?year=2025").status_code == 401
