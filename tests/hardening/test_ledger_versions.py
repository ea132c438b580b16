"""No lost updates on a ledger entry: every save raises its version, and a save over someone
else's change is refused (the admin form, the API, and two editors at once on PostgreSQL)."""

import datetime
import io
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.test import Client

import pytest
from rest_framework.test import APIClient

from stations.models import ServiceLogEntry, StationAssignment, User
from stations.station_imports import ledger_import
from stations.station_services import log_entry_save
from tests.factories import make_station
from tests.hardening.test_faults import at_once, on_postgresql
from tests.talent.factories import make_worker

pytestmark = pytest.mark.django_db

STALE = (
    "Someone else changed this ledger entry while you were editing it. Reload the page to see "
    "their changes, then make yours again."
)


@pytest.fixture
def entry(tree, actors) -> ServiceLogEntry:
    """A resident social worker's three hours of community activity on 3 March (version 0)."""
    station = make_station(
        tree.town_a1, opened_on=datetime.date(2024, 1, 1), status_since=datetime.date(2024, 1, 1)
    )
    worker = make_worker(tree.town_a1, name="王五")
    StationAssignment.objects.create(
        station=station,
        area=station.area,
        worker=worker,
        role="resident",
        starts_on=datetime.date(2024, 1, 1),
    )
    return log_entry_save(
        actor=actors.township_admin,
        entry=ServiceLogEntry(
            station=station,
            worker=worker,
            served_on=datetime.date(2025, 3, 3),
            kind=ServiceLogEntry.Kind.COMMUNITY_ACTIVITY,
            hours=Decimal(3),
            community=tree.comm_a1_urban,
            note="入户走访",
        ),
    )


def someone_else_corrects(entry: ServiceLogEntry, actor, **fields) -> None:
    stored = ServiceLogEntry.objects.get(pk=entry.pk)
    for name, value in fields.items():
        setattr(stored, name, value)
    log_entry_save(actor=actor, entry=stored)


def stored(entry: ServiceLogEntry) -> tuple:
    row = ServiceLogEntry.objects.get(pk=entry.pk)
    return row.note, row.hours, row.version


# --- the service -----------------------------------------------------------------------------


def test_every_correction_raises_the_version_by_one(actors, entry):
    # given a new entry (version 0)
    # when it is corrected twice, the second time with the version the editor loaded
    someone_else_corrects(entry, actors.township_admin, note="第一次更正")
    loaded = ServiceLogEntry.objects.get(pk=entry.pk)
    loaded.note = "第二次更正"
    log_entry_save(actor=actors.county_admin, entry=loaded, expected_version=1)

    # then the stored version counts the corrections
    assert stored(entry) == ("第二次更正", Decimal("3.0"), 2)


def test_a_correction_from_a_stale_version_is_refused_and_writes_nothing(actors, entry):
    # given an editor who loaded version 0, and someone else's correction since
    loaded = ServiceLogEntry.objects.get(pk=entry.pk)
    someone_else_corrects(entry, actors.county_admin, note="他人更正")

    # when the editor saves version 0's entry
    loaded.note = "我的更正"
    with pytest.raises(ValidationError) as raised:
        log_entry_save(actor=actors.township_admin, entry=loaded, expected_version=0)

    # then the save is refused on `version`, and the other correction stands
    assert (raised.value.message_dict, raised.value.error_dict["version"][0].code) == (
        {"version": [STALE]},
        "stale_version",
    )
    assert stored(entry) == ("他人更正", Decimal("3.0"), 1)


def test_an_import_correction_is_a_new_version(tree, actors, entry):
    # given an entry at version 0, corrected by a spreadsheet import (row named by its id)
    header = "id,station,worker_id_number,served_on,kind,hours,community,note\n"
    row = (
        f"{entry.pk},{entry.station_id},{entry.worker.id_number},2025-03-03,community,4,"
        f"{tree.comm_a1_urban.code},导入更正\n"
    )
    result = ledger_import(
        actor=actors.township_admin, source=io.BytesIO((header + row).encode()), name="ledger.csv"
    )

    # then the correction raised the version, so a form loaded before it is refused
    assert (result.updated, stored(entry)) == (1, ("导入更正", Decimal("4.0"), 1))
    loaded_before = ServiceLogEntry.objects.get(pk=entry.pk)
    with pytest.raises(ValidationError) as raised:
        log_entry_save(actor=actors.township_admin, entry=loaded_before, expected_version=0)
    assert raised.value.message_dict == {"version": [STALE]}


# --- the admin -------------------------------------------------------------------------------


def admin_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(User.objects.get(pk=user.pk))
    return client


def loaded_form(client: Client, entry: ServiceLogEntry) -> dict:
    """The change form's fields as the officer's browser posts them back."""
    response = client.get(f"/admin/stations/servicelogentry/{entry.pk}/change/")
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else str(value)
    return data


def test_the_change_form_carries_the_loaded_version_as_a_hidden_field(actors, entry):
    # given an entry corrected once (version 1)
    someone_else_corrects(entry, actors.county_admin, note="他人更正")

    # when the officer opens its change form
    response = admin_client(actors.township_admin).get(
        f"/admin/stations/servicelogentry/{entry.pk}/change/"
    )

    # then the form carries version 1, hidden
    assert (
        '<input type="hidden" name="loaded_version" value="1" id="id_loaded_version">'
        in response.content.decode()
    )


def test_the_admin_refuses_a_save_over_someone_elses_change(actors, entry):
    # given an officer with the change form open (version 0), and a colleague's correction since
    client = admin_client(actors.township_admin)
    data = loaded_form(client, entry)
    someone_else_corrects(entry, actors.county_admin, note="他人更正")

    # when the officer saves the form
    response = client.post(
        f"/admin/stations/servicelogentry/{entry.pk}/change/", {**data, "note": "我的更正"}
    )

    # then the form comes back with the error, and the colleague's correction stands
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert (form.non_field_errors(), form.non_field_errors().as_data()[0].code) == (
        [STALE],
        "stale_version",
    )
    assert stored(entry) == ("他人更正", Decimal("3.0"), 1)


def test_the_admin_saves_a_form_of_the_current_version(actors, entry):
    # given an officer who reloaded the form after a colleague's correction (version 1)
    client = admin_client(actors.township_admin)
    someone_else_corrects(entry, actors.county_admin, note="他人更正")
    data = loaded_form(client, entry)

    # when the officer saves it with another number of hours
    response = client.post(
        f"/admin/stations/servicelogentry/{entry.pk}/change/", {**data, "hours": "5"}
    )

    # then the correction is saved as version 2, over the colleague's note
    assert (data["loaded_version"], response.status_code) == ("1", 302)
    assert stored(entry) == ("他人更正", Decimal("5.0"), 2)


def test_the_admin_adds_an_entry_at_version_0(tree, actors, entry):
    # given the add form (an officer cannot post a version of their own choosing that counts)
    client = admin_client(actors.township_admin)
    data = {
        "station": str(entry.station_id),
        "worker": str(entry.worker_id),
        "served_on": "2025-03-04",
        "kind": "community",
        "community": str(tree.comm_a1_urban.pk),
        "hours": "2",
        "case_reference": "",
        "people_served": "{}",
        "volunteers": "0",
        "note": "新记录",
        "loaded_version": "7",
    }

    # when it is saved
    response = client.post("/admin/stations/servicelogentry/add/", data)

    # then the new entry starts at version 0
    assert response.status_code == 302
    assert ServiceLogEntry.objects.get(note="新记录").version == 0


# --- the API ---------------------------------------------------------------------------------


def api_client(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user=user)
    return client


def test_the_api_shows_the_version(actors, entry):
    someone_else_corrects(entry, actors.county_admin, note="他人更正")
    response = api_client(actors.township_admin).get(f"/api/v1/service-logs/{entry.pk}/")
    assert (response.status_code, response.json()["version"]) == (200, 1)


def test_an_api_patch_with_a_stale_version_is_refused_on_version(actors, entry):
    # given a colleague's correction since the client read version 0
    someone_else_corrects(entry, actors.county_admin, note="他人更正")

    # when the client patches with version 0
    response = api_client(actors.township_admin).patch(
        f"/api/v1/service-logs/{entry.pk}/", {"hours": "5", "version": 0}, format="json"
    )

    # then 400 on `version`, nothing written
    assert (response.status_code, response.json()) == (400, {"version": [STALE]})
    assert stored(entry) == ("他人更正", Decimal("3.0"), 1)


@pytest.mark.parametrize(
    ("_case", "method", "extra"),
    [
        ("patch", "patch", {}),
        (
            "put",
            "put",
            {"served_on": "2025-03-03", "kind": "community", "community": "150602001001"},
        ),
    ],
)
def test_an_api_update_with_the_current_version_is_saved_as_the_next(
    actors, entry, _case, method, extra
):
    # given a client that read version 1
    someone_else_corrects(entry, actors.county_admin, note="他人更正")
    payload = {"hours": "5", "version": 1, **extra}
    if method == "put":
        payload |= {"station": entry.station_id, "worker": entry.worker_id, "note": "他人更正"}

    # when it updates the entry with that version
    response = getattr(api_client(actors.township_admin), method)(
        f"/api/v1/service-logs/{entry.pk}/", payload, format="json"
    )

    # then 200 with version 2, the hours changed
    assert (response.status_code, response.json()["version"], response.json()["hours"]) == (
        200,
        2,
        5.0,
    )
    assert stored(entry) == ("他人更正", Decimal("5.0"), 2)


def test_an_api_patch_without_a_version_still_raises_it(actors, entry):
    response = api_client(actors.township_admin).patch(
        f"/api/v1/service-logs/{entry.pk}/", {"note": "补记"}, format="json"
    )
    assert (response.status_code, response.json()["version"]) == (200, 1)
    assert stored(entry) == ("补记", Decimal("3.0"), 1)


def test_an_api_create_ignores_a_version_sent(tree, actors, entry):
    response = api_client(actors.township_admin).post(
        "/api/v1/service-logs/",
        {
            "station": entry.station_id,
            "worker": entry.worker_id,
            "served_on": "2025-03-04",
            "kind": "community",
            "community": tree.comm_a1_urban.code,
            "hours": "2",
            "version": 9,
        },
        format="json",
    )
    assert (response.status_code, response.json()["version"]) == (201, 0)
    assert ServiceLogEntry.objects.get(pk=response.json()["id"]).version == 0


# --- two editors at once (PostgreSQL: real threads, real row locks) --------------------------


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_editors_saving_the_same_version_at_once_through_the_service(actors, entry):
    # given two editors who loaded version 0 and changed it differently
    first, second = (ServiceLogEntry.objects.get(pk=entry.pk) for _editor in range(2))
    first.note, second.note = "甲的更正", "乙的更正"

    # when both save at the same moment
    outcomes = at_once(
        lambda: log_entry_save(actor=actors.township_admin, entry=first, expected_version=0),
        lambda: log_entry_save(actor=actors.county_admin, entry=second, expected_version=0),
    )

    # then exactly one is saved (version 1), the other refused on `version`
    saved = [o for o in outcomes if isinstance(o, ServiceLogEntry)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert (len(saved), len(refused)) == (1, 1)
    assert refused[0].message_dict == {"version": [STALE]}
    assert stored(entry) == (saved[0].note, Decimal("3.0"), 1)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_officers_saving_the_same_admin_form_at_once(actors, entry):
    # given two officers with the change form of version 0 open
    officers = [admin_client(actors.township_admin), admin_client(actors.county_admin)]
    forms = [loaded_form(client, entry) for client in officers]
    url = f"/admin/stations/servicelogentry/{entry.pk}/change/"

    # when both save at the same moment, each with their own note
    responses = at_once(
        *(
            lambda c=client, d=data, n=note: c.post(url, {**d, "note": n})
            for client, data, note in zip(officers, forms, ["甲的更正", "乙的更正"], strict=True)
        )
    )

    # then one save went through (302), the other form came back with the error (200)
    assert sorted(r.status_code for r in responses) == [200, 302]
    refused = next(r for r in responses if r.status_code == 200)
    assert refused.context["adminform"].form.non_field_errors() == [STALE]
    winner = "甲的更正" if responses[0].status_code == 302 else "乙的更正"
    assert stored(entry) == (winner, Decimal("3.0"), 1)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_api_clients_patching_the_same_version_at_once(actors, entry):
    clients = [api_client(actors.township_admin), api_client(actors.county_admin)]
    url = f"/api/v1/service-logs/{entry.pk}/"

    responses = at_once(
        *(
            lambda c=client, h=hours: c.patch(url, {"hours": h, "version": 0}, format="json")
            for client, hours in zip(clients, ["4", "6"], strict=True)
        )
    )

    assert sorted(r.status_code for r in responses) == [200, 400]
    refused = next(r for r in responses if r.status_code == 400)
    assert refused.json() == {"version": [STALE]}
    winner = Decimal("4.0") if responses[0].status_code == 200 else Decimal("6.0")
    assert stored(entry) == ("入户走访", winner, 1)
