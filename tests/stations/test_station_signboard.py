"""Signboard names in the standard format: county + township short name + the kind's suffix."""

import pytest

from stations.models import Station
from stations.signboards import short_name, signboard_name

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
