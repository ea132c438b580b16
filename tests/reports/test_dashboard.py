"""The dashboard: scoped, drills down, draws its chart without any external script."""

from decimal import Decimal
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

import pytest

from reports.dashboard import bar_chart
from reports.models import Target, TargetThreshold
from stations.models import AdminArea, AreaPopulation

pytestmark = pytest.mark.django_db


@pytest.fixture
def computed(tree):
    AreaPopulation.objects.create(area=tree.comm_a1_urban, year=2025, population=4000)
    AreaPopulation.objects.create(area=tree.comm_b1, year=2025, population=12000)
    target = Target.objects.create(
        metric="population", area=tree.city, year=2025, source_document="测试"
    )
    TargetThreshold.objects.create(target=target, value=Decimal(5000), valid_from=timezone.now())
    call_command("compute_compliance", "--year", "2025", stdout=StringIO())


def test_city_leader_sees_targets_children_and_a_chart(client, actors, computed):
    client.force_login(actors.viewer)
    response = client.get("/dashboard/")
    page = response.content.decode()

    assert response.status_code == 200
    assert response.context["area"].code == "150600000000"
    assert [child["area"]["code"] for child in response.context["report"]["children"]] == [
        "150602000000",
        "150603000000",
    ]
    assert page.count('class="bar"') == 2 + 1  # two child areas, one year of trend
    assert "<script" not in page
    assert "http" not in page.replace("http-equiv", "")


def test_drill_down_to_a_county(client, tree, actors, computed):
    client.force_login(actors.viewer)
    response = client.get("/dashboard/", {"area": tree.county_a.code, "year": 2025})
    assert [a.code for a in response.context["ancestors"]] == ["150600000000"]
    assert response.context["report"]["targets"][0]["met"] is False


def test_a_county_officer_cannot_open_another_county(client, tree, actors, computed):
    client.force_login(actors.county_admin)
    response = client.get("/dashboard/", {"area": tree.county_b.code})
    assert response.status_code == 404


def test_a_user_without_an_area_gets_nothing(client, actors, computed):
    client.force_login(actors.nobody)
    assert client.get("/dashboard/").status_code == 404


def test_anonymous_is_sent_to_login(client, computed):
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_gap_names_the_communities_and_the_shortfall(client, tree, actors):
    from tests.orgs.factories import make_orgs

    make_orgs(tree.comm_a1_urban, 12)
    make_orgs(tree.comm_a2, 7)
    target = Target.objects.create(
        metric="urban_community_orgs_min", area=tree.city, year=2025, source_document="方案"
    )
    TargetThreshold.objects.create(target=target, value=Decimal(10), valid_from=timezone.now())
    call_command("compute_compliance", "--year", "2025", stdout=StringIO())
    client.force_login(actors.viewer)

    response = client.get("/dashboard/", {"year": 2025})
    gap = response.context["gaps"][0]

    assert (gap["count"], gap["missing"]) == (2, 13)
    assert [(row["area"].code, row["has"], row["needs"]) for row in gap["listed"]] == [
        ("150602002001", 7, 3),
        ("150603001001", 0, 10),
    ]
    assert "2 communities need 13 more organisations." in response.content.decode()


def test_drill_down_cells_follow_the_parent_columns_with_a_level_specific_target(
    client, tree, actors
):
    AreaPopulation.objects.create(area=tree.comm_a1_urban, year=2025, population=4000)
    for metric, level, threshold in [
        ("population", AdminArea.Level.COUNTY, 5000),  # judged at the counties only
        ("talent_total", None, 1),  # judged everywhere
    ]:
        target = Target.objects.create(
            metric=metric, area=tree.city, level=level, year=2025, source_document="测试"
        )
        TargetThreshold.objects.create(
            target=target, value=Decimal(threshold), valid_from=timezone.now()
        )
    call_command("compute_compliance", "--year", "2025", stdout=StringIO())
    client.force_login(actors.viewer)

    response = client.get("/dashboard/", {"year": 2025})
    headers = [item["key"] for item in response.context["report"]["targets"]]
    county_a = response.context["children_rows"][0]
    page = response.content.decode()

    # The city is judged on talent_total only; its counties on population first.
    assert headers[0] == "talent_total"
    assert response.context["report"]["children"][0]["targets"][0]["key"] == "population"
    assert [cell["key"] for cell in county_a["cells"]] == headers
    assert (county_a["cells"][0]["value"], county_a["cells"][0]["met"]) == (0, False)
    population = county_a["cells"][headers.index("population")]
    assert (population["value"], population["met"]) == (4000, False)
    row = page[page.index(">东胜区</a></td>") :]
    assert row.split("\n", 1)[1].startswith('<td class="num unmet">0</td>')


@pytest.mark.parametrize(
    ("_case", "comparison", "expected"),
    [
        ("at_least", Target.Comparison.AT_LEAST, [False, True, True, None]),
        ("at_most", Target.Comparison.AT_MOST, [True, True, False, None]),
    ],
)
def test_bar_chart_marks_met_by_the_comparison(_case, comparison, expected):
    rows = [("甲", 5.0), ("乙", 10.0), ("丙", 12.5), ("丁", None)]
    chart = bar_chart(rows, 10.0, comparison)
    assert [bar["met"] for bar in chart["bars"]] == expected
