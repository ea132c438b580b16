"""Builders for test data. Areas are built through the tree module so that paths are real."""

from django.contrib.auth.models import Group

import factory

from projects.models import Contractor
from stations.areas import path_for
from stations.models import AdminArea, User
from stations.validators import credit_code_check_character


def make_area(code: str, name: str, level: int, parent: AdminArea | None = None, **fields):
    return AdminArea.objects.create(
        code=code,
        name=name,
        level=level,
        parent=parent,
        path=path_for(parent_path=parent.path if parent else None, code=code),
        **fields,
    )


def valid_credit_code(serial: int) -> str:
    first17 = f"91150602MA{serial:07d}"
    return first17 + credit_code_check_character(first17)


class ContractorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contractor

    name = factory.Sequence(lambda n: f"承接机构{n}")
    kind = Contractor.Kind.SOCIAL_ORGANISATION
    credit_code = factory.Sequence(valid_credit_code)


def make_user(username: str, *, area=None, role: str | None = None, **fields) -> User:
    user = User.objects.create_user(
        username=username, password="Passw0rd!long", admin_area=area, is_staff=True, **fields
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


# --- the service network (stations app, issue #3) ---


def make_station(area, *, kind=None, status="operating", **fields):
    """A station of `area` written through the model (tests of the services build their own)."""
    from django.utils import timezone

    from stations.models import Station
    from stations.station_services import LEVEL_KINDS, station_signboard

    station = Station(
        area=area,
        kind=kind or LEVEL_KINDS[area.level],
        status=status,
        status_since=fields.pop("status_since", timezone.localdate()),
        opened_on=fields.pop("opened_on", timezone.localdate() if status == "operating" else None),
        **fields,
    )
    station.signboard_name = station_signboard(station)
    station.name = station.name or station.signboard_name
    station.save()
    return station
