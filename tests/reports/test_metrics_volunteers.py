"""Volunteer metrics: only verified hours of the year count; service-point coverage."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from reports.engine import Tree
from reports.metric_defs import metric_by_key
from stations.models import AdminArea
from tests.factories import make_area
from tests.volunteers.factories import make_activity, make_record, make_volunteer
from volunteers import services
from volunteers.models import Activity, ServicePoint

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def values(tree, key, year=2025):
    metric = metric_by_key()[key]
    facts = metric.compute(Tree(tree.city.path), year)
    return {
        area.code: metric.value(*facts[area.path])
        for area in (tree.city, tree.county_a, tree.county_b)
    }


def test_only_verified_hours_of_the_year_count(tree):
    volunteer = make_volunteer(tree.comm_a1_urban)
    spring = make_activity(tree.comm_a1_urban)
    other_county = make_activity(tree.comm_b1)
    last_year = make_activity(
        tree.comm_a2, when=datetime.datetime(2024, 12, 31, 23, 30, tzinfo=SHANGHAI)
    )
    make_record(volunteer, spring, "2.5", verified=True)
    make_record(make_volunteer(tree.comm_a2, name="李四"), spring, "4", verified=False)
    make_record(volunteer, other_county, "1.5", verified=True)
    make_record(volunteer, last_year, "3", verified=True)

    assert values(tree, "verified_volunteer_hours") == {
        "150600000000": 4,
        "150602000000": 2.5,
        "150603000000": 1.5,
    }
    assert values(tree, "verified_volunteer_hours", year=2024)["150600000000"] == 3


def test_service_point_coverage_over_real_communities(tree):
    make_area(
        "150603001002", "虚拟社区", AdminArea.Level.COMMUNITY, tree.town_b1, is_placeholder=True
    )
    for community, active in [
        (tree.comm_a1_urban, True),
        (tree.comm_a2, True),
        (tree.comm_b1, False),
    ]:
        ServicePoint.objects.create(
            area=community,
            name="志愿服务站",
            facility="社区综合服务设施",
            opened_on=datetime.date(2023, 1, 1),
            is_active=active,
        )
    ServicePoint.objects.create(
        area=tree.comm_a2,
        name="第二站点",
        facility="党群服务中心",
        opened_on=datetime.date(2024, 1, 1),
    )

    result = values(tree, "volunteer_point_coverage")
    assert result["150600000000"] == 50  # 2 of 4 real communities
    assert str(result["150602000000"]) == "66.6667"
    assert result["150603000000"] == 0  # the placeholder does not count


def test_hours_follow_an_activity_moved_to_another_county_and_year(tree, actors):
    activity = make_activity(tree.comm_a1_urban)
    make_record(make_volunteer(tree.comm_a1_urban), activity, "2", verified=True)
    assert values(tree, "verified_volunteer_hours")["150602000000"] == 2

    activity = Activity.objects.get(pk=activity.pk)
    activity.area = tree.comm_b1
    services.activity_save(actor=actors.city_admin, activity=activity)
    assert values(tree, "verified_volunteer_hours") == {
        "150600000000": 2,
        "150602000000": 0,
        "150603000000": 2,
    }

    activity.starts_at = datetime.datetime(2024, 6, 1, 9, 0, tzinfo=SHANGHAI)
    services.activity_save(actor=actors.city_admin, activity=activity)
    assert values(tree, "verified_volunteer_hours")["150600000000"] == 0
    assert values(tree, "verified_volunteer_hours", year=2024)["150603000000"] == 2
