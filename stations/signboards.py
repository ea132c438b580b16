"""Official signboard names of service bodies (统一标识).

The Jinan plan fixes the format "XX区(县)XX街道(镇)社会工作服务站": the county's name, the
township's short name and the kind's suffix. Division files name the governments, not the places
("交通街道办事处", "巴音敖包嘎查村委会"), so the short names drop the government suffixes first.
"""

from stations.models import Station

Kind = Station.Kind

KIND_SUFFIXES: dict[str, str] = {
    Kind.CITY_CENTRE: "社会工作服务指导中心",
    Kind.COUNTY_CENTRE: "社会工作服务中心",
    Kind.TOWNSHIP_STATION: "社会工作服务站",
    Kind.COMMUNITY_ROOM: "社会工作服务室",
}

# (ending, replacement), longest first within each family so that "街道办事处" wins over "办事处".
_GOVERNMENT_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("人民政府", ""),
    ("街道办事处", "街道"),
    ("办事处", ""),
    ("管理委员会", ""),
    ("管委会", ""),
    # The statistical files write sumu (a Mongolian township) as "苏木乡".
    ("苏木乡", "苏木"),
    ("社区居民委员会", "社区"),
    ("社区居委会", "社区"),
    ("居民委员会", "社区"),
    ("居委会", "社区"),
    # Gacha (a Mongolian village) appears as "嘎查村委会", "嘎查委员会" and "嘎查村".
    ("嘎查村民委员会", "嘎查"),
    ("嘎查村委会", "嘎查"),
    ("嘎查委员会", "嘎查"),
    ("嘎查村", "嘎查"),
    ("村民委员会", "村"),
    ("村委会", "村"),
)


def short_name(name: str) -> str:
    """The place's name without its government's suffix: "交通街道办事处" → "交通街道".

    Only one suffix is removed, except "人民政府", which may follow another ("某镇人民政府").
    """
    name = name.strip()
    if name.endswith("人民政府") and len(name) > len("人民政府"):
        name = name.removesuffix("人民政府")
    for ending, replacement in _GOVERNMENT_SUFFIXES:
        if name.endswith(ending) and len(name) > len(ending):
            return name[: -len(ending)] + replacement
    return name


def signboard_name(
    kind: str, *, area_name: str, township_name: str = "", county_name: str = ""
) -> str:
    """The signboard name of a body of `kind` in the area named `area_name`.

    City and county bodies carry the area's own name ("鄂尔多斯市社会工作服务指导中心",
    "东胜区社会工作服务中心"); a township station the county's and the township's
    ("东胜区交通街道社会工作服务站"); a community room the county's, township's and community's
    ("东胜区交通街道吉劳庆社区社会工作服务室").
    """
    suffix = KIND_SUFFIXES[kind]
    if kind in (Kind.CITY_CENTRE, Kind.COUNTY_CENTRE):
        return short_name(area_name) + suffix
    if kind == Kind.TOWNSHIP_STATION:
        return short_name(county_name) + short_name(area_name) + suffix
    return short_name(county_name) + short_name(township_name) + short_name(area_name) + suffix
