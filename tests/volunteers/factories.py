"""Builders for volunteer records (valid ID numbers, activities in the past)."""

import datetime
import zoneinfo
from decimal import Decimal

from stations.validators import id_number_check_character
from volunteers.models import Activity, OrganiserKind, ServiceRecord, Team, Volunteer


def valid_id_number(serial: int, *, region: str = "150602", birth: str = "19900101") -> str:
    first17 = f"{region}{birth}{serial % 1000:03d}"
    return first17 + id_number_check_character(first17)


SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
_counter = iter(range(1, 10**6))


def make_volunteer(area, *, name: str = "张三明", **fields) -> Volunteer:
    serial = next(_counter)
    values = {
        "id_number": valid_id_number(serial, birth=f"19{60 + serial // 1000 % 40:02d}0101"),
        "phone": "13800005678",
        "joined_on": datetime.date(2024, 1, 1),
        "skills": ["elderly_care"],
        **fields,
    }
    return Volunteer.objects.create(name=name, area=area, **values)


def make_team(area, *, name: str = "阳光志愿服务队", **fields) -> Team:
    return Team.objects.create(name=name, area=area, sponsor_kind="community", **fields)


def make_activity(area, *, title: str = "敬老院义诊", when=None, team=None, **fields) -> Activity:
    when = when or datetime.datetime(2025, 3, 1, 9, 0, tzinfo=SHANGHAI)
    return Activity.objects.create(
        title=title,
        starts_at=when,
        place="社区服务中心",
        area=area,
        organiser_kind=OrganiserKind.TEAM if team else OrganiserKind.ORGANISATION,
        organiser_team=team,
        organiser_name=team.name if team else "社区居委会",
        **fields,
    )


def make_record(volunteer, activity, hours="2.5", *, verified=False, **fields) -> ServiceRecord:
    return ServiceRecord.objects.create(
        volunteer=volunteer,
        activity=activity,
        area_id=activity.area_id,
        activity_starts_at=activity.starts_at,
        hours=Decimal(hours),
        is_verified=verified,
        **fields,
    )
