"""A county puts a worker it has linked (kept by another county) on its station staff, through
the service, the API, the admin and the import; a worker neither kept nor linked in its subtree
stays unknown."""

import datetime
import io
from decimal import Decimal

from django.core.exceptions import ValidationError

import pytest

from stations.models import ServiceLogEntry, StationAssignment
from stations.station_imports import assignment_import
from stations.station_services import assignment_save
from stations.tabular import ImportRejected
from talent.services import worker_link
from tests.factories import make_station
from tests.talent.factories import make_id_number, make_worker

pytestmark = pytest.mark.django_db

D = datetime.date
OPENED = D(2024, 1, 1)


@pytest.fixture
def people(tree, actors):
    """A station in 交通街道; 赵敏 kept by 康巴什区 and linked to 交通街道, 钱七 linked to 公园街道
    only, 孙八 kept by 康巴什区 and not linked at all."""
    station = make_station(tree.town_a1, opened_on=OPENED, status_since=OPENED)
    linked = make_worker(tree.comm_b1, name="赵敏", id_number=make_id_number(D(1995, 1, 2)))
    elsewhere = make_worker(tree.comm_b1, name="钱七", id_number=make_id_number(D(1993, 1, 2)))
    stranger = make_worker(tree.comm_b1, name="孙八", id_number=make_id_number(D(1994, 1, 2)))
    worker_link(actor=actors.county_admin, worker=linked, area=tree.town_a1)
    worker_link(actor=actors.county_admin, worker=elsewhere, area=tree.town_a2)
    return station, linked, elsewhere, stranger


def staff(station, worker):
    return StationAssignment(station=station, worker=worker, role="resident", starts_on=OPENED)


@pytest.mark.parametrize(
    ("_case", "actor", "who", "allowed"),
    [
        ("county_linked", "county_admin", 1, True),
        ("county_linked_elsewhere_in_county", "county_admin", 2, True),
        ("county_stranger", "county_admin", 3, False),
        ("township_linked_here", "township_admin", 1, True),
        ("township_linked_to_other_township", "township_admin", 2, False),
    ],
)
def test_the_service_accepts_a_worker_kept_or_linked_in_the_subtree(
    actors, people, _case, actor, who, allowed
):
    station, worker = people[0], people[who]
    if allowed:
        assignment_save(actor=getattr(actors, actor), assignment=staff(station, worker))
    else:
        with pytest.raises(ValidationError) as raised:
            assignment_save(actor=getattr(actors, actor), assignment=staff(station, worker))
        assert raised.value.message_dict == {"worker": ["No such worker within your reach."]}
    assert list(StationAssignment.objects.values_list("worker__name", flat=True)) == (
        [worker.name] if allowed else []
    )


@pytest.mark.parametrize(("_case", "who", "status"), [("linked", 1, 201), ("stranger", 3, 400)])
def test_the_staff_api_names_a_linked_worker(api, actors, people, _case, who, status):
    station, worker = people[0], people[who]

    response = api(actors.county_admin).post(
        "/api/v1/station-staff/",
        {"station": station.pk, "worker": worker.pk, "role": "resident", "starts_on": "2025-01-01"},
        format="json",
    )

    assert response.status_code == status
    if status == 201:
        assert (response.json()["worker_name"], response.json()["area"]) == ("赵敏", "150602001000")
    else:
        assert response.json() == {"worker": [f'Invalid pk "{worker.pk}" - object does not exist.']}
    assert StationAssignment.objects.count() == (1 if status == 201 else 0)


def test_the_ledger_api_records_hours_of_a_linked_worker(api, tree, actors, people):
    station, linked = people[0], people[1]
    assignment_save(actor=actors.county_admin, assignment=staff(station, linked))

    response = api(actors.county_admin).post(
        "/api/v1/service-logs/",
        {
            "station": station.pk,
            "worker": linked.pk,
            "served_on": "2025-04-02",
            "kind": "group",
            "community": tree.comm_a1_urban.code,
            "hours": "3",
        },
        format="json",
    )

    assert response.status_code == 201
    assert list(ServiceLogEntry.objects.values_list("worker_id", "hours")) == [
        (linked.pk, Decimal(3))
    ]


def test_the_staff_import_finds_a_linked_worker_and_not_a_stranger(actors, people):
    _station, linked, _elsewhere, stranger = people
    good = f"station,worker_id_number,role,starts_on\n150602001000,{linked.id_number},resident,2025-01-01\n"
    bad = good + f"150602001000,{stranger.id_number},supervisor,2025-01-01\n"

    with pytest.raises(ImportRejected) as raised:
        assignment_import(io.BytesIO(bad.encode()), actor=actors.county_admin, name="staff.csv")
    assert raised.value.messages() == [
        "Row 3, column worker_id_number: No worker with this ID number within your reach."
    ]
    assert StationAssignment.objects.count() == 0

    result = assignment_import(io.BytesIO(good.encode()), actor=actors.county_admin)

    assert result.created == 1
    assert list(StationAssignment.objects.values_list("worker__name", "area__code")) == [
        ("赵敏", "150602001000")
    ]


@pytest.mark.parametrize(("_case", "who", "saved"), [("linked", 1, True), ("stranger", 3, False)])
def test_the_admin_staff_form_offers_a_linked_worker(client, actors, people, _case, who, saved):
    station, worker = people[0], people[who]
    client.force_login(actors.county_admin)

    response = client.post(
        "/admin/stations/stationassignment/add/",
        {
            "station": station.pk,
            "worker": worker.pk,
            "role": "resident",
            "starts_on": "2025-01-01",
            "ends_on": "",
            "note": "",
        },
    )

    if saved:
        assert response.status_code == 302
    else:
        assert response.status_code == 200
        assert response.context["adminform"].form.errors == {
            "worker": ["Select a valid choice. That choice is not one of the available choices."]
        }
    assert list(StationAssignment.objects.values_list("worker__name", flat=True)) == (
        [worker.name] if saved else []
    )


def test_the_admin_worker_autocomplete_offers_linked_workers(client, actors, people):
    client.force_login(actors.county_admin)

    response = client.get(
        "/admin/autocomplete/",
        {
            "term": "",
            "app_label": "stations",
            "model_name": "stationassignment",
            "field_name": "worker",
        },
    )

    assert response.status_code == 200
    assert sorted(row["text"] for row in response.json()["results"]) == [
        str(people[1]),
        str(people[2]),
    ]
