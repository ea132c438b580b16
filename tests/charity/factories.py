"""Builders for charity test data; money is booked through the services, as in production."""

import datetime
import itertools
from decimal import Decimal

from charity.models import CharityFund, CharitySource, LinkageProject, Need, Resource
from charity.services import ledger
from charity.services.lists import tags_to_field
from stations.models import AdminArea
from tests.factories import make_station, valid_credit_code
from tests.volunteers.factories import make_activity
from volunteers.models import Activity

DAY = datetime.date(2025, 3, 1)
_serials = itertools.count(9000)


def make_source(area, name="鄂尔多斯市慈善总会", kind=CharitySource.Kind.FOUNDATION, **fields):
    if kind in CharitySource.CODE_REQUIRED and "credit_code" not in fields:
        fields["credit_code"] = valid_credit_code(next(_serials))
    return CharitySource.objects.create(name=name, kind=kind, area=area, **fields)


def make_fund(area, name="社区慈善救助基金", kind=CharityFund.Kind.RELIEF, **fields):
    return CharityFund.objects.create(name=name, kind=kind, area=area, **fields)


def donate(actor, fund, donor, amount, day=DAY, **fields):
    return ledger.donation_book(
        actor=actor, fund=fund, donor=donor, amount=Decimal(amount), booked_on=day, **fields
    )


def pay(actor, fund, amount, day=DAY, **fields):
    if "target_kind" not in fields:
        fields["target_kind"] = "volunteer_activity"
        fields["activity"] = activity_under(fund.area)
    return ledger.disbursement_book(
        actor=actor, fund=fund, amount=Decimal(amount), booked_on=day, **fields
    )


def activity_under(area):
    """A volunteer activity in the first community of the area's subtree."""
    community = (
        AdminArea.objects.filter(path__startswith=area.path, level=AdminArea.Level.COMMUNITY)
        .order_by("code")
        .first()
    )
    return Activity.objects.filter(area=community).first() or make_activity(
        community, title="重阳节敬老活动"
    )


def make_need(area, title="独居老人助餐", group="lone_elderly", help_kind="care", **fields):
    fields.setdefault("people_affected", 12)
    fields.setdefault("source", Need.Source.SURVEY)
    fields.setdefault("surveyed_on", DAY)
    return Need.objects.create(area=area, title=title, group=group, help_kind=help_kind, **fields)


def make_resource(area, name, tags=("care",), kind=Resource.Kind.OTHER, **fields):
    return Resource.objects.create(
        area=area, name=name, kind=kind, tags=tags_to_field(tags), **fields
    )


def station_of(area):
    """The area's service station, built once."""
    from stations.models import Station

    return Station.objects.filter(area=area).first() or make_station(area)


def make_project(area, name="银龄助餐项目", **fields):
    if "owner_kind" not in fields:
        fields["owner_kind"] = LinkageProject.OwnerKind.STATION
        fields["owner_station"] = station_of(area)
    return LinkageProject.objects.create(area=area, name=name, **fields)
