"""Signboard names in the standard format: county + township short name + the kind's suffix."""

import io

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from stations.imports import area_import
from stations.models import AdminArea, Station
from stations.services import area_save
from stations.signboards import short_name, signboard_name
from stations.station_services import station_signboards_refresh
from tests.factories import make_area, make_station

Kind = Station.Kind


@pytest.mark.parametrize(
    ("_case", "name", "expected"),
    [
        ("street office keeps 街道", "交通街道办事处", "交通街道"),
        ("street already short", "兴隆街道", "兴隆街道"),
        ("office without 街道", "城关办事处", "城关"),
        ("town", "罕台镇", "罕台镇"),
        ("town government", "罕台镇人民政府", "罕台镇"),
        ("township", "暖水乡", "暖水乡"),
        ("sumu", "阿尔巴斯苏木", "阿尔巴斯苏木"),
        ("sumu as the files write it", "布尔陶亥苏木乡", "布尔陶亥苏木"),
        ("community committee", "满都拉社区居委会", "满都拉社区"),
        ("community", "吉劳庆社区", "吉劳庆社区"),
        ("residents' committee", "城北居民委员会", "城北社区"),
        ("village committee", "添尔漫梁村委会", "添尔漫梁村"),
        ("villagers' committee", "漫赖村民委员会", "漫赖村"),
        ("gacha committee", "巴音敖包嘎查委员会", "巴音敖包嘎查"),
        ("gacha village committee", "查干布拉格嘎查村委会", "查干布拉格嘎查"),
        ("development zone", "鄂尔多斯市生态示范区管理委员会", "鄂尔多斯市生态示范区"),
        ("suffix only", "办事处", "办事处"),
    ],
)
def test_short_name_drops_the_government_suffix(_case, name, expected):
    assert short_name(name) == expected


@pytest.mark.parametrize(
    ("_case", "kind", "names", "expected"),
    [
        (
            "city centre",
            Kind.CITY_CENTRE,
            {"area_name": "鄂尔多斯市"},
            "鄂尔多斯市社会工作服务指导中心",
        ),
        ("county centre", Kind.COUNTY_CENTRE, {"area_name": "东胜区"}, "东胜区社会工作服务中心"),
        (
            "street station",
            Kind.TOWNSHIP_STATION,
            {"area_name": "交通街道办事处", "county_name": "东胜区"},
            "东胜区交通街道社会工作服务站",
        ),
        (
            "town station",
            Kind.TOWNSHIP_STATION,
            {"area_name": "树林召镇", "county_name": "达拉特旗"},
            "达拉特旗树林召镇社会工作服务站",
        ),
        (
            "sumu station",
            Kind.TOWNSHIP_STATION,
            {"area_name": "苏米图苏木乡", "county_name": "鄂托克旗"},
            "鄂托克旗苏米图苏木社会工作服务站",
        ),
        (
            "township station",
            Kind.TOWNSHIP_STATION,
            {"area_name": "暖水乡", "county_name": "准格尔旗"},
            "准格尔旗暖水乡社会工作服务站",
        ),
        (
            "community room",
            Kind.COMMUNITY_ROOM,
            {
                "area_name": "满都拉社区居委会",
                "township_name": "交通街道办事处",
                "county_name": "东胜区",
            },
            "东胜区交通街道满都拉社区社会工作服务室",
        ),
        (
            "village room",
            Kind.COMMUNITY_ROOM,
            {"area_name": "添尔漫梁村委会", "township_name": "罕台镇", "county_name": "东胜区"},
            "东胜区罕台镇添尔漫梁村社会工作服务室",
        ),
        (
            "gacha room",
            Kind.COMMUNITY_ROOM,
            {
                "area_name": "巴音敖包嘎查委员会",
                "township_name": "乌兰镇",
                "county_name": "鄂托克旗",
            },
            "鄂托克旗乌兰镇巴音敖包嘎查社会工作服务室",
        ),
    ],
)
def test_signboard_name_in_the_standard_format(_case, kind, names, expected):
    assert signboard_name(kind, **names) == expected


def _signboards() -> dict[str, tuple[str, str]]:
    return {
        area_code: (name, signboard)
        for area_code, name, signboard in Station.objects.values_list(
            "area__code", "name", "signboard_name"
        )
    }


@pytest.mark.django_db
def test_renaming_a_county_regenerates_the_signboards_below_it(tree, actors):
    make_station(tree.county_a)
    make_station(tree.town_a1, name="交通街道社工站")
    make_station(tree.comm_a1_urban)
    make_station(tree.town_b1)
    county = AdminArea.objects.get(pk=tree.county_a.pk)
    county.name = "东胜新区"

    area_save(actor=actors.city_admin, area=county)

    assert _signboards() == {
        "150602000000": ("东胜新区社会工作服务中心", "东胜新区社会工作服务中心"),
        # A name given by hand stays; the default name follows the signboard.
        "150602001000": ("交通街道社工站", "东胜新区交通街道社会工作服务站"),
        "150602001001": (
            "东胜新区交通街道巴音孟克社区社会工作服务室",
            "东胜新区交通街道巴音孟克社区社会工作服务室",
        ),
        "150603001000": ("康巴什区哈巴格希街道社会工作服务站",) * 2,
    }


@pytest.mark.django_db
def test_renaming_a_township_regenerates_its_rooms_signboards(tree, actors):
    make_station(tree.town_a2)
    make_station(tree.comm_a2)
    make_station(tree.comm_a1_urban)
    town = AdminArea.objects.get(pk=tree.town_a2.pk)
    town.name = "公园路街道办事处"

    area_save(actor=actors.county_admin, area=town)

    assert _signboards() == {
        "150602002000": ("东胜区公园路街道社会工作服务站",) * 2,
        "150602002001": ("东胜区公园路街道宝日陶亥社区社会工作服务室",) * 2,
        "150602001001": ("东胜区交通街道巴音孟克社区社会工作服务室",) * 2,
    }


@pytest.mark.django_db
def test_saving_an_area_without_a_rename_keeps_the_signboards(tree, actors):
    station = make_station(tree.town_a1)
    Station.objects.filter(pk=station.pk).update(signboard_name="旧牌子", name="旧牌子")
    town = AdminArea.objects.get(pk=tree.town_a1.pk)
    town.longitude = None

    area_save(actor=actors.county_admin, area=town)

    assert _signboards() == {"150602001000": ("旧牌子", "旧牌子")}


@pytest.mark.django_db
def test_an_area_import_that_renames_regenerates_the_signboards(tree):
    make_station(tree.town_a1)
    make_station(tree.town_a2)
    text = (
        "code,parent,name,level\n"
        "150602001000,150602000000,新交通街道办事处,town\n"
        "150602002000,150602000000,公园街道,town\n"
    )

    area_import(io.BytesIO(text.encode()), name="areas.csv")

    assert _signboards() == {
        "150602001000": ("东胜区新交通街道社会工作服务站",) * 2,
        "150602002000": ("东胜区公园街道社会工作服务站",) * 2,
    }


@pytest.mark.django_db
def test_the_signboard_refresh_queries_do_not_grow_with_stations(tree):
    def refresh_queries() -> tuple[int, int]:
        AdminArea.objects.filter(pk=tree.county_a.pk).update(
            name=f"东胜{AdminArea.objects.count()}区"
        )
        with CaptureQueriesContext(connection) as queries:
            changed = station_signboards_refresh(area_codes=[tree.county_a.code])
        return changed, len(queries.captured_queries)

    make_station(tree.town_a1)
    first = refresh_queries()
    for number in range(3, 7):
        make_station(make_area(f"15060200{number}000", f"街道{number}", 3, tree.county_a))
    second = refresh_queries()

    assert (first, second) == ((1, 3), (5, 3))
