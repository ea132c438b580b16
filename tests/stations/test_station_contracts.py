"""A station run by a contractor is covered by a contract in force of that contractor that names
the station or its township: checked by the service, so on every path (admin, API, import)."""

import datetime
import io
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

import pytest

from projects.models import Contract
from stations.models import Station, User
from stations.station_imports import station_import
from stations.station_services import station_change_status, station_save
from stations.tabular import ImportRejected
from tests.factories import ContractorFactory, make_station

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
Kind = Station.Kind
Status = Station.Status
CONTRACTOR = Station.Operator.CONTRACTOR
NO_CONTRACT = (
    "{name} has no contract in force for this station: a signed or active contract of theirs, "
    "running today (or, for a station not yet open, starting later), that names the station or "
    "its township. Record the contract first, or say who runs the station."
)


def make_contract(county, contractor, *, townships=(), stations=(), **fields):
    values = {
        "number": f"HT-{Contract.objects.count() + 1}",
        "title": "社工站运营项目",
        "start_date": TODAY - 100 * DAY,
        "end_date": TODAY + 900 * DAY,
        "status": Contract.Status.ACTIVE,
        "price": Decimal(100000),
        **fields,
    }
    contract = Contract.objects.create(area=county, contractor=contractor, **values)
    contract.townships.set(townships)
    contract.stations.set(stations)
    return contract


def contractor_station(area, contractor, **fields):
    fields.setdefault("status", Status.PLANNED)
    return Station(area=area, operator=CONTRACTOR, contractor=contractor, **fields)


def contract_codes(raised) -> list[str]:
    return [error.code for error in raised.value.error_dict["contractor"]]


@pytest.fixture
def contractor(tree):
    return ContractorFactory(area=tree.county_a)


@pytest.mark.parametrize(
    ("_case", "area", "cover"),
    [
        ("township station, its township landing", "town_a1", "township"),
        ("community room, its township landing", "comm_a1_urban", "township"),
        ("county centre, the county's own contract", "county_a", "county"),
    ],
)
def test_a_contract_in_force_covers_a_new_station(tree, actors, contractor, _case, area, cover):
    make_contract(
        tree.county_a, contractor, townships=[tree.town_a1] if cover == "township" else []
    )

    station = station_save(
        actor=actors.county_admin, station=contractor_station(getattr(tree, area), contractor)
    )

    assert Station.objects.get(pk=station.pk).contractor_id == contractor.pk


def test_a_contract_naming_the_station_covers_it(tree, actors, contractor):
    station = make_station(tree.town_a2)
    make_contract(tree.county_a, contractor, stations=[station])
    station.operator, station.contractor = CONTRACTOR, contractor

    station_save(actor=actors.county_admin, station=station)

    assert Station.objects.get(pk=station.pk).operator == CONTRACTOR


@pytest.mark.parametrize(
    ("_case", "contract_fields", "station_fields"),
    [
        ("no contract at all", None, {}),
        ("in procurement", {"status": Contract.Status.PROCUREMENT}, {}),
        ("terminated", {"status": Contract.Status.TERMINATED}, {}),
        ("ended yesterday", {"end_date": TODAY - DAY}, {}),
        (
            "an operating station, contract starting tomorrow",
            {"start_date": TODAY + DAY},
            {"status": Status.OPERATING, "opened_on": TODAY - DAY},
        ),
        ("another township's contract", {"townships": "town_a2"}, {}),
        ("another contractor's contract", {"contractor": "other"}, {}),
        ("a township contract for the county centre", {"for_centre": True}, {}),
    ],
)
def test_a_station_without_a_contract_in_force_is_refused(
    tree, actors, contractor, _case, contract_fields, station_fields
):
    area = tree.town_a1
    if contract_fields is not None:
        contract_fields = dict(contract_fields)
        townships = [getattr(tree, contract_fields.pop("townships", "town_a1"))]
        holder = contractor
        if contract_fields.pop("contractor", None):
            holder = ContractorFactory(area=tree.county_a)
        if contract_fields.pop("for_centre", False):
            area = tree.county_a
        make_contract(tree.county_a, holder, townships=townships, **contract_fields)

    with pytest.raises(ValidationError) as raised:
        station_save(
            actor=actors.county_admin,
            station=contractor_station(area, contractor, **station_fields),
        )

    assert raised.value.message_dict == {"contractor": [NO_CONTRACT.format(name=contractor.name)]}
    assert contract_codes(raised) == ["station_contractor_without_contract"]
    assert Station.objects.count() == 0


def test_a_planned_station_may_rely_on_a_contract_starting_later(tree, actors, contractor):
    make_contract(tree.county_a, contractor, townships=[tree.town_a1], start_date=TODAY + 30 * DAY)

    station_save(actor=actors.county_admin, station=contractor_station(tree.town_a1, contractor))

    assert Station.objects.get().status == Status.PLANNED


def test_opening_a_station_needs_the_contract_to_run_by_then(tree, actors, contractor):
    make_contract(tree.county_a, contractor, townships=[tree.town_a1], start_date=TODAY + 30 * DAY)
    station = station_save(
        actor=actors.county_admin, station=contractor_station(tree.town_a1, contractor)
    )

    with pytest.raises(ValidationError) as raised:
        station_change_status(
            actor=actors.county_admin, station=station, status=Status.OPERATING, on=TODAY
        )

    assert contract_codes(raised) == ["station_contractor_without_contract"]
    assert Station.objects.get(pk=station.pk).status == Status.PLANNED


def test_a_station_whose_contract_ended_can_still_be_suspended(tree, actors, contractor):
    # Recorded while its contract ran; the contract has since ended.
    station = make_station(
        tree.town_a1, operator=CONTRACTOR, contractor=contractor, opened_on=TODAY - 9 * DAY
    )
    make_contract(tree.county_a, contractor, townships=[tree.town_a1], end_date=TODAY - DAY)

    station_change_status(
        actor=actors.county_admin, station=station, status=Status.SUSPENDED, on=TODAY
    )

    assert Station.objects.get(pk=station.pk).status == Status.SUSPENDED


def test_the_admin_form_shows_the_missing_contract(client, tree, actors, contractor):
    client.force_login(User.objects.get(pk=actors.county_admin.pk))
    form = {
        "kind": "township_station",
        "area": tree.town_a1.pk,
        "status": "planned",
        "status_since": TODAY.isoformat(),
        "operator": "contractor",
        "contractor": contractor.pk,
        "status_changes-TOTAL_FORMS": "0",
        "status_changes-INITIAL_FORMS": "0",
        "status_changes-MIN_NUM_FORMS": "0",
        "status_changes-MAX_NUM_FORMS": "0",
    }

    refused = client.post("/admin/stations/station/add/", form)
    make_contract(tree.county_a, contractor, townships=[tree.town_a1])
    accepted = client.post("/admin/stations/station/add/", form)

    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors == {
        "contractor": [NO_CONTRACT.format(name=contractor.name)]
    }
    assert accepted.status_code == 302
    assert Station.objects.get().contractor_id == contractor.pk


def test_the_api_answers_400_naming_the_contractor_field(api, tree, actors, contractor):
    payload = {"area": tree.town_a1.code, "operator": "contractor", "contractor": contractor.pk}

    refused = api(actors.county_admin).post("/api/v1/stations/", payload, format="json")
    make_contract(tree.county_a, contractor, townships=[tree.town_a1])
    accepted = api(actors.county_admin).post("/api/v1/stations/", payload, format="json")

    assert refused.status_code == 400
    assert refused.json() == {"contractor": [NO_CONTRACT.format(name=contractor.name)]}
    assert accepted.status_code == 201
    assert Station.objects.get().contractor_id == contractor.pk


def test_the_import_names_the_row_and_writes_nothing(tree, actors, contractor):
    text = (
        "area,status,contractor\n"
        "150602002000,planned,\n"
        f"150602001000,planned,{contractor.credit_code}\n"
    )

    with pytest.raises(ImportRejected) as raised:
        station_import(io.BytesIO(text.encode()), actor=actors.county_admin, name="stations.csv")

    assert raised.value.messages() == [
        "Row 3, column contractor: " + NO_CONTRACT.format(name=contractor.name)
    ]
    assert Station.objects.count() == 0
