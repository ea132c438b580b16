"""The contract admin: terminating with a reason, the station rules, the staff-on-post column."""

import datetime

import pytest

from projects.models import Contract, ContractStatusChange
from stations.models import Station
from tests.factories import ContractorFactory
from tests.projects.conftest import START, make_contract
from tests.projects.test_staff_on_post import make_station, signed_contract, staff

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/projects/contract/"


def test_terminate_asks_for_the_reason_on_an_intermediate_page(client, actors, tree):
    contract = make_contract(actor=actors.county_admin, area=tree.county_a, status="active")
    client.force_login(actors.county_admin)

    page = client.post(CHANGELIST, {"action": "terminate", "_selected_action": [contract.pk]})

    assert page.status_code == 200
    assert page.templates[0].name == "admin/projects/contract/terminate.html"
    assert Contract.objects.get(pk=contract.pk).status == "active"


def test_terminate_without_a_reason_changes_nothing(client, actors, tree):
    contract = make_contract(actor=actors.county_admin, area=tree.county_a, status="active")
    client.force_login(actors.county_admin)

    response = client.post(
        CHANGELIST,
        {
            "action": "terminate",
            "_selected_action": [contract.pk],
            "apply": "1",
            "effective_on": "2025-06-30",
            "reason": "",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": ["This field is required."]}
    assert Contract.objects.get(pk=contract.pk).status == "active"
    assert (
        ContractStatusChange.objects.filter(contract=contract, to_status="terminated").count() == 0
    )


def test_terminate_with_a_reason_goes_through_the_service(client, actors, tree):
    contract = make_contract(actor=actors.county_admin, area=tree.county_a, status="active")
    client.force_login(actors.county_admin)

    response = client.post(
        CHANGELIST,
        {
            "action": "terminate",
            "_selected_action": [contract.pk],
            "apply": "1",
            "effective_on": "2025-06-30",
            "reason": "年度评估不合格",
        },
    )

    assert response.status_code == 302
    contract.refresh_from_db()
    assert (contract.status, contract.terminated_on, contract.status_reason) == (
        "terminated",
        datetime.date(2025, 6, 30),
        "年度评估不合格",
    )
    change = ContractStatusChange.objects.get(contract=contract, to_status="terminated")
    assert (change.from_status, change.reason, change.actor) == (
        "active",
        "年度评估不合格",
        actors.county_admin,
    )
    # Reports not yet started after the termination were dropped by the service.
    assert contract.reports.filter(period__gt=datetime.date(2025, 6, 30)).count() == 0


def test_admin_refuses_a_station_already_under_contract(client, actors, tree):
    station = Station.objects.create(
        area=tree.town_a1,
        kind=Station.Kind.TOWNSHIP_STATION,
        name="交通街道社工站",
        signboard_name="交通街道社工站",
        status_since=START,
    )
    make_contract(actor=actors.county_admin, area=tree.county_a, station_ids=[station.pk])
    client.force_login(actors.county_admin)

    response = client.post(
        "/admin/projects/contract/add/",
        {
            "number": "ADM-2",
            "title": "社工站",
            "area": tree.county_a.pk,
            "contractor": ContractorFactory(area=tree.county_a).pk,
            "stations": [station.pk],
            "start_date": "2026-01-01",
            "price": "1000.00",
            "instalments-TOTAL_FORMS": "0",
            "instalments-INITIAL_FORMS": "0",
            "status_changes-TOTAL_FORMS": "0",
            "status_changes-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["stations"] == [
        "交通街道社工站 is already served by contract DS-2025-001 (2025-01-01 to 2027-12-31) "
        "over an overlapping period."
    ]
    assert list(Contract.objects.values_list("number", flat=True)) == ["DS-2025-001"]


@pytest.mark.parametrize(
    ("_case", "third_starts", "text"),
    [
        ("on post in time", datetime.date(2025, 2, 1), "on post"),
        (
            "three days late",
            datetime.date(2025, 2, 18),
            '<span style="color:#b3261e">3 days late</span>',
        ),
    ],
)
def test_staff_on_post_column_shows_the_days_late(client, actors, tree, _case, third_starts, text):
    station = make_station(tree.town_a1, "交通街道社工站")
    staff(station, [datetime.date(2025, 1, 20), datetime.date(2025, 2, 1), third_starts])
    signed_contract(actors, tree.county_a, station)
    client.force_login(actors.county_admin)

    response = client.get(CHANGELIST)

    assert f'<td class="field-staff_on_post">{text}</td>' in response.content.decode()
