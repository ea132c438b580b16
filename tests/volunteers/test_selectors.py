"""Report selectors on the hand-made tree: one query each, verified hours only."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest

from stations.models import AdminArea
from tests.factories import make_area
from tests.volunteers.factories import make_activity, make_record, make_volunteer
from volunteers import selectors
from volunteers.models import ServicePoint

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def point(area, name: str = "志愿服务站", *, active: bool = True) -> ServicePoint:
    return ServicePoint.objects.create(
        area=area,
        name=name,
        facility="社区综合服务设施",
        opened_on=datetime.date(2023, 1, 1),
        is_active=active,
    )


def test_verified_hours_per_child_area_in_a_year(tree, django_assert_num_queries):
    volunteer = make_volunteer(tree.comm_a1_urban)
    in_2025 = datetime.datetime(2025, 6, 1, 9, tzinfo=SHANGHAI)
    make_record(
        volunteer, make_activity(tree.comm_a1_urban, title="一", when=in_2025), "2.5", verified=True
    )
    make_record(
        volunteer, make_activity(tree.comm_a1_rural, title="二", when=in_2025), "1", verified=True
    )
    make_record(
        volunteer, make_activity(tree.comm_a2, title="三", when=in_2025), "4", verified=True
    )
    make_record(volunteer, make_activity(tree.comm_a2, title="未核实", when=in_2025), "8")
    make_record(
        volunteer,
        make_activity(
            tree.comm_b1, title="去年", when=datetime.datetime(2024, 12, 31, 20, tzinfo=SHANGHAI)
        ),
        "3",
        verified=True,
    )
    make_record(
        volunteer, make_activity(tree.comm_b1, title="康城", when=in_2025), "0.5", verified=True
    )

    with django_assert_num_queries(1):
        by_county = [
            (area.code, area.verified_hours)
            for area in selectors.verified_hours_by_area(parent=tree.city, year=2025)
        ]
    by_township = [
        (area.code, area.verified_hours)
        for area in selectors.verified_hours_by_area(parent=tree.county_a, year=2025)
    ]

    assert by_county == [("150602000000", Decimal("7.5")), ("150603000000", Decimal("0.5"))]
    assert by_township == [("150602001000", Decimal("3.5")), ("150602002000", Decimal(4))]


def test_communities_with_an_active_service_point(tree, django_assert_num_queries):
    point(tree.comm_a1_urban)
    point(tree.comm_a1_urban, "第二站")
    point(tree.comm_a2, active=False)
    point(tree.comm_b1)

    with django_assert_num_queries(1):
        codes = [
            area.code for area in selectors.communities_with_active_service_point(root=tree.city)
        ]
    in_county_a = [
        area.code for area in selectors.communities_with_active_service_point(root=tree.county_a)
    ]

    assert codes == ["150602001001", "150603001001"]
    assert in_county_a == ["150602001001"]


def test_service_point_coverage_per_county_against_the_80_percent_target(
    tree, django_assert_num_queries
):
    # County A gains two more communities: 4 of 5 covered (80%); county B: 0 of 1.
    make_area("150602002002", "新建社区", AdminArea.Level.COMMUNITY, tree.town_a2)
    make_area("150602002003", "另一社区", AdminArea.Level.COMMUNITY, tree.town_a2)
    make_area(
        "150602002998", "虚拟社区", AdminArea.Level.COMMUNITY, tree.town_a2, is_placeholder=True
    )
    for code in ("150602001001", "150602001201", "150602002001", "150602002002"):
        point(AdminArea.objects.get(code=code))
    point(tree.comm_b1, active=False)

    with django_assert_num_queries(1):
        rows = [
            (area.code, area.communities, area.covered_communities)
            for area in selectors.service_point_coverage(parent=tree.city)
        ]

    assert rows == [("150602000000", 5, 4), ("150603000000", 1, 0)]
