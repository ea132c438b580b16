"""The gap of every unmet minimum in concrete terms, for each metric kind, on the dashboard and
in the printed report."""

from decimal import Decimal
from io import BytesIO, StringIO

from django.core.management import call_command
from django.utils import timezone

import pytest
from pypdf import PdfReader

from reports.exports import report_export_build
from reports.gaps import gap_statement
from reports.metric_defs import metric_by_key
from reports.models import ReportExport, Target, TargetThreshold
from tests.factories import make_station
from tests.talent.factories import make_worker

pytestmark = pytest.mark.django_db


def item(key, numerator, denominator, threshold, *, met=False, comparison="gte") -> dict:
    return {
        "key": key,
        "name": str(metric_by_key()[key].name),
        "value": None,
        "threshold": threshold,
        "comparison": comparison,
        "unit": metric_by_key()[key].unit,
        "met": met,
        "numerator": numerator,
        "denominator": denominator,
        "source": None,
    }


@pytest.mark.parametrize(
    ("key", "numerator", "denominator", "threshold", "text"),
    [
        ("population", 4000, None, 5000, "1000 more residents are needed."),
        (
            "township_station_coverage",
            1,
            3,
            100,
            "2 more townships need an operating social-work station.",
        ),
        (
            "community_social_work_coverage",
            2,
            5,
            80,
            "2 more communities need social-work service.",
        ),
        ("talent_total", 4999, None, 5000, "1 more social-work worker is needed."),
        # 2.5 per 1,000 of 2,001 residents is 5.0025 workers: a sixth one is needed.
        ("talent_per_mille", 4, 2001, 2.5, "2 more social-work workers are needed."),
        ("certified_per_10k", 1, 2000, 16.74, "3 more certified social workers are needed."),
        ("professional_staff_total", 3, None, 5, "2 more professional social workers are needed."),
        (
            "social_work_qualified_share",
            4,
            6,
            66.67,
            "1 more worker needs a social-work qualification.",
        ),
        (
            "urban_community_orgs_avg",
            30,
            3,
            15,
            "15 more organisations are needed in urban communities.",
        ),
        (
            "rural_community_orgs_avg",
            4,
            2,
            3,
            "2 more organisations are needed in rural communities.",
        ),
        (
            "urban_community_orgs_min",
            7,
            3,
            10,
            "The emptiest urban community needs 3 more organisations.",
        ),
        (
            "rural_community_orgs_min",
            4,
            2,
            5,
            "The emptiest rural community needs 1 more organisation.",
        ),
        (
            "monthly_report_timeliness",
            10,
            12,
            100,
            "2 more monthly briefings needed to be submitted on time.",
        ),
        ("brand_orgs", 5, None, 7, "2 more brand organisations are needed."),
        ("brand_projects", 9, None, 10, "1 more brand project is needed."),
        (
            "station_staffing_share",
            1,
            4,
            100,
            "3 more township stations need to meet the staffing rule.",
        ),
        (
            "station_six_haves_share",
            2,
            4,
            75,
            "1 more township station needs to meet the six haves.",
        ),
        (
            "station_cases_supervision_share",
            0,
            2,
            100,
            "2 more township stations need enough cases and supervision hours.",
        ),
        (
            "resident_hours_share",
            5,
            8,
            100,
            "3 more resident workers need to serve the weekly hours in communities.",
        ),
        (
            "volunteer_point_coverage",
            7,
            10,
            80,
            "1 more community needs a volunteer service point.",
        ),
        (
            "federation_coverage",
            4,
            10,
            70,
            "3 more townships need a federation of community organisations.",
        ),
        (
            "verified_volunteer_hours",
            950.5,
            None,
            1000,
            "50 more verified volunteer hours are needed.",
        ),
        (
            "charity_linked_yuan",
            9999.99,
            None,
            10000,
            "1 more yuan of charity resources needs to be linked.",
        ),
    ],
)
def test_every_unmet_minimum_states_its_gap(key, numerator, denominator, threshold, text):
    assert gap_statement(item(key, numerator, denominator, threshold)) == text


def test_every_metric_has_a_gap_statement():
    from reports.gaps import GAP_TEXTS

    assert set(GAP_TEXTS) == set(metric_by_key())


@pytest.mark.parametrize(
    ("_case", "figures", "options"),
    [
        ("met", (5, 5, 100), {"met": True}),
        ("no_data", (None, None, 100), {"met": None}),
        ("no_denominator", (0, None, 100), {}),
        ("at_most_target", (3, 3, 50), {"comparison": "lte"}),
        ("no_threshold", (1, 3, None), {"met": None}),
    ],
)
def test_no_gap_without_an_unmet_minimum(_case, figures, options):
    assert gap_statement(item("township_station_coverage", *figures, **options)) is None


@pytest.fixture
def unmet(tree):
    """County A: one of its two townships has a station, and 2 workers against a target of 5."""
    make_station(tree.town_a1)
    make_worker(tree.comm_a1_urban)
    make_worker(tree.town_a2)
    for metric, value in (("township_station_coverage", 100), ("talent_total", 5)):
        target = Target.objects.create(
            metric=metric, area=tree.county_a, year=2025, source_document="方案"
        )
        TargetThreshold.objects.create(
            target=target, value=Decimal(value), valid_from=timezone.now()
        )
    call_command("compute_compliance", "--year", "2025", stdout=StringIO())
    return tree


EXPECTED = [
    "3 more social-work workers are needed.",
    "1 more township needs an operating social-work station.",
]


def test_the_dashboard_states_each_gap(client, unmet, actors):
    client.force_login(actors.county_admin)

    response = client.get("/dashboard/", {"area": unmet.county_a.code, "year": 2025})

    assert [gap["text"] for gap in response.context["gap_statements"]] == EXPECTED
    page = response.content.decode()
    assert all(text in page for text in EXPECTED)


def test_the_printed_report_states_each_gap(unmet, actors):
    export = ReportExport.objects.create(
        area=unmet.county_a, year=2025, format="pdf", requested_by=actors.county_admin
    )

    built = report_export_build(export_id=export.pk)

    text = "".join(page.extract_text() for page in PdfReader(BytesIO(bytes(built.content))).pages)
    flat = " ".join(text.split())
    assert built.status == "ready"
    assert all(statement in flat for statement in EXPECTED)
