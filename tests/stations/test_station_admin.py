"""The service-network admin: scoping, one body per township/county through the form, rule
columns and filters, and changelists whose query count does not grow with the rows."""

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import pytest

from stations.models import (
    ServiceLogEntry,
    StaffingRule,
    Station,
    StationAssignment,
    StationInspection,
    User,
)
from stations.station_admin import LedgerYearFilter
from tests.factories import make_area, make_station
from tests.talent.factories import make_certificate, make_worker

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
CHANGELISTS = [
    "/admin/stations/station/",
    "/admin/stations/stationinspection/",
    "/admin/stations/stationassignment/",
    "/admin/stations/servicelogentry/",
]


@pytest.fixture
def admin_client_for(client):
    def login(user):
        client.force_login(User.objects.get(pk=user.pk))
        return client

    return login


def staffed_station(area, *, staff=3, qualified=3):
    station = make_station(area, opened_on=datetime.date(2024, 1, 1))
    for number in range(staff):
        worker = make_worker(area, name=f"社工{number}")
        if number < qualified:
            make_certificate(worker)
        StationAssignment.objects.create(
            station=station,
            area=area,
            worker=worker,
            role="resident",
            starts_on=datetime.date(2024, 1, 1),
        )
        community = area.children.first()
        if community is not None:
            ServiceLogEntry.objects.create(
                station=station,
                area=area,
                worker=worker,
                served_on=TODAY,
                kind="community",
                community=community,
                hours=Decimal(2),
            )
    StationInspection.objects.create(
        station=station, area=area, inspected_on=TODAY, premises_passed=True
    )
    return station


def _station_form(area, **overrides):
    return {
        "kind": "township_station",
        "area": area.pk,
        "name": "",
        "address": "",
        "longitude": "",
        "latitude": "",
        "host_facility": "",
        "phone": "",
        "opened_on": "",
        "status": "planned",
        "status_since": TODAY.isoformat(),
        "operator": "government",
        "contractor": "",
        "status_changes-TOTAL_FORMS": "0",
        "status_changes-INITIAL_FORMS": "0",
        "status_changes-MIN_NUM_FORMS": "0",
        "status_changes-MAX_NUM_FORMS": "0",
        **overrides,
    }


def test_a_second_township_station_is_a_form_error(admin_client_for, tree, actors):
    existing = make_station(tree.town_a1)

    response = admin_client_for(actors.county_admin).post(
        "/admin/stations/station/add/", _station_form(tree.town_a1)
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "area": [
            "交通街道 already has a township (street) social-work station: "
            f"东胜区交通街道社会工作服务站 (station {existing.pk})."
        ]
    }
    assert Station.objects.count() == 1


def test_a_second_county_centre_is_a_form_error(admin_client_for, tree, actors):
    make_station(tree.county_a)
    response = admin_client_for(actors.county_admin).post(
        "/admin/stations/station/add/", _station_form(tree.county_a, kind="county_centre")
    )
    assert list(response.context["adminform"].form.errors) == ["area"]
    assert Station.objects.count() == 1


def test_adding_a_station_through_the_admin_records_its_status(admin_client_for, tree, actors):
    response = admin_client_for(actors.county_admin).post(
        "/admin/stations/station/add/", _station_form(tree.town_a2)
    )
    assert response.status_code == 302
    station = Station.objects.get()
    assert (station.signboard_name, station.status_changes.get().to_status) == (
        "东胜区公园街道社会工作服务站",
        "planned",
    )


@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_another_countys_station_pages_are_not_found(admin_client_for, tree, actors, view):
    station = make_station(tree.town_b1)
    response = admin_client_for(actors.county_admin).get(
        f"/admin/stations/station/{station.pk}/{view}/"
    )
    assert response.status_code == 404


@pytest.mark.parametrize("url", CHANGELISTS)
def test_changelists_show_only_the_county(admin_client_for, tree, actors, url):
    staffed_station(tree.town_a1)
    staffed_station(tree.town_b1)
    response = admin_client_for(actors.county_admin).get(url)
    assert response.status_code == 200
    assert {row.area_id for row in response.context["cl"].result_list} == {tree.town_a1.pk}


def test_the_station_list_shows_the_rule_results(admin_client_for, tree, actors):
    staffed_station(tree.town_a1, staff=3, qualified=1)

    response = admin_client_for(actors.county_admin).get("/admin/stations/station/")

    station = response.context["cl"].result_list[0]
    assert (station.staffing_check.passed, station.ledger_figures.entries) == (False, 3)
    assert "fails: too_few_qualified" in response.content.decode()


@pytest.mark.parametrize(
    ("_case", "query", "expected"),
    [
        ("staffing passes", "staffing=passes", {"150602001000"}),
        ("staffing fails", "staffing=fails", {"150602002000"}),
        ("six haves failing", "six_haves=failing", {"150602001000", "150602002000"}),
        ("six haves never", "six_haves=uninspected", {"150602000000"}),
        ("kind", "kind=county_centre", {"150602000000"}),
        ("within", "within=150602002000", {"150602002000"}),
    ],
)
def test_station_list_filters(admin_client_for, tree, actors, _case, query, expected):
    staffed_station(tree.town_a1)
    staffed_station(tree.town_a2, staff=2)
    make_station(tree.county_a)

    response = admin_client_for(actors.county_admin).get(f"/admin/stations/station/?{query}")

    assert {row.area.code for row in response.context["cl"].result_list} == expected


@pytest.mark.parametrize("url", CHANGELISTS)
def test_changelist_queries_do_not_grow_with_rows(admin_client_for, tree, actors, url):
    client = admin_client_for(actors.city_admin)
    staffed_station(tree.town_a1)
    with CaptureQueriesContext(connection) as before:
        first = client.get(url)
    for number in range(3, 7):
        town = make_area(f"15060200{number}000", f"街道{number}", 3, tree.county_a)
        make_area(f"15060200{number}001", f"社区{number}", 4, town)
        staffed_station(town)
    with CaptureQueriesContext(connection) as after:
        second = client.get(url)

    assert len(second.context["cl"].result_list) > len(first.context["cl"].result_list)
    assert len(after.captured_queries) == len(before.captured_queries)


def test_the_station_import_page_shows_row_errors_and_writes_nothing(
    admin_client_for, tree, actors
):
    content = "area,status\n150602001000,planned\n150602001000,planned\n150603001000,planned\n"
    response = admin_client_for(actors.county_admin).post(
        "/admin/stations/station/import/",
        {"file": SimpleUploadedFile("stations.csv", content.encode())},
    )
    assert response.status_code == 200
    assert response.context["errors"] == [
        "Row 3, column area: A second open township (street) social-work station for "
        "交通街道 (first on row 2).",
        "Row 4, column area: No area with code “150603001000” within your reach.",
    ]
    assert Station.objects.count() == 0


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
ITEM_FIELDS = {
    f"{item}_{suffix}": value
    for item in ("premises", "equipment", "staff", "functions", "rules", "workflow")
    for suffix, value in (("passed", "on"), ("note", ""))
}


def _inspection_form(station, upload, **overrides):
    return {
        "station": station.pk,
        "inspected_on": TODAY.isoformat(),
        "inspector": "区民政局",
        **ITEM_FIELDS,
        "note": "",
        "evidence-TOTAL_FORMS": "0",
        "evidence-INITIAL_FORMS": "0",
        "evidence-MIN_NUM_FORMS": "0",
        "evidence-MAX_NUM_FORMS": "1000",
        "evidence-2-TOTAL_FORMS": "1",
        "evidence-2-INITIAL_FORMS": "0",
        "evidence-2-MIN_NUM_FORMS": "0",
        "evidence-2-MAX_NUM_FORMS": "1000",
        "evidence-2-0-item": "premises",
        "evidence-2-0-file": upload,
        "evidence-2-0-description": "门牌照片",
        **overrides,
    }


@pytest.mark.parametrize(
    ("_case", "name", "content", "saved"),
    [("photo", "门牌.png", PNG, 1), ("html named png", "x.png", b"<html></html>", 0)],
)
def test_inspection_with_evidence_through_the_admin(
    admin_client_for, tree, actors, settings, tmp_path, _case, name, content, saved
):
    settings.MEDIA_ROOT = tmp_path
    station = make_station(tree.town_a1)
    client = admin_client_for(actors.county_admin)

    response = client.post(
        "/admin/stations/stationinspection/add/",
        _inspection_form(station, SimpleUploadedFile(name, content)),
    )

    assert StationInspection.objects.count() == saved
    if saved:
        assert response.status_code == 302
        inspection = StationInspection.objects.get()
        evidence = inspection.evidence.get()
        assert (evidence.content_type, evidence.original_name, inspection.area) == (
            "image/png",
            "门牌.png",
            tree.town_a1,
        )
        page = client.get(f"/admin/stations/stationinspection/{inspection.pk}/change/")
        link = f"/api/v1/station-inspections/{inspection.pk}/evidence/{evidence.pk}/"
        assert link in page.content.decode()
    else:
        assert response.status_code == 200
        assert "Only JPEG, PNG or WebP images and PDF files" in response.content.decode()


def test_changing_the_status_in_the_admin_needs_its_date(admin_client_for, tree, actors):
    station = make_station(
        tree.town_a1, status_since=datetime.date(2024, 1, 1), opened_on=datetime.date(2024, 1, 1)
    )
    client = admin_client_for(actors.county_admin)
    form = _station_form(tree.town_a1, status="suspended", status_since="2024-01-01")
    form.update({"opened_on": "2024-01-01"})

    refused = client.post(f"/admin/stations/station/{station.pk}/change/", form)
    form["status_since"] = TODAY.isoformat()
    accepted = client.post(f"/admin/stations/station/{station.pk}/change/", form)

    assert refused.context["adminform"].form.errors == {
        "status_since": ["Give the date of this status change."]
    }
    assert accepted.status_code == 302
    assert list(station.status_changes.values_list("to_status", "changed_on")) == [
        ("suspended", TODAY)
    ]


# --- the ledger year ----------------------------------------------------------------------------


def ledger_of_2025(area, *, cases):
    """A station whose one resident logged `cases` individual cases in 2025 only."""
    station = make_station(area, opened_on=datetime.date(2024, 1, 1))
    worker = make_worker(area, name=f"社工{area.code[-4:]}")
    StationAssignment.objects.create(
        station=station,
        area=area,
        worker=worker,
        role="resident",
        starts_on=datetime.date(2024, 1, 1),
    )
    for number in range(cases):
        ServiceLogEntry.objects.create(
            station=station,
            area=area,
            worker=worker,
            served_on=datetime.date(2025, 3, 1 + number),
            kind="case",
            case_reference=f"C-{number}",
            community=area.children.order_by("code").first(),
            hours=Decimal(8),
        )
    return station


@pytest.fixture
def ledgers(tree):
    # A rule the 2025 ledger of town_a1 meets: one case, any community hours, no supervision.
    StaffingRule.objects.create(
        area=tree.county_a,
        min_community_hours_per_week=Decimal("0.1"),
        min_service_cases=1,
        min_supervision_hours=Decimal(0),
    )
    ledger_of_2025(tree.town_a1, cases=2)
    ledger_of_2025(tree.town_a2, cases=0)


@pytest.mark.parametrize(
    ("_case", "query", "year", "expected"),
    [
        ("latest year by default", "ledger=passes", 2025, {"150602001000"}),
        ("latest year fails", "ledger=fails", 2025, {"150602002000"}),
        ("year chosen", "year=2025&ledger=passes", 2025, {"150602001000"}),
        ("a year without entries", "year=2024&ledger=passes", 2024, set()),
        (
            "a year without entries fails",
            "year=2024&ledger=fails",
            2024,
            {
                "150602001000",
                "150602002000",
            },
        ),
        ("the year alone keeps every row", "year=2024", 2024, {"150602001000", "150602002000"}),
    ],
)
def test_the_ledger_is_judged_by_the_chosen_year(
    admin_client_for, tree, actors, ledgers, _case, query, year, expected
):
    response = admin_client_for(actors.county_admin).get(f"/admin/stations/station/?{query}")

    result_list = response.context["cl"].result_list
    assert {row.area.code for row in result_list} == expected
    assert [row.ledger_figures.year for row in result_list] == [year] * len(expected)


def test_the_year_filter_offers_the_years_with_entries_latest_chosen(
    admin_client_for, tree, actors, ledgers
):
    ServiceLogEntry.objects.filter(case_reference="C-1").update(served_on=datetime.date(2023, 5, 5))

    response = admin_client_for(actors.county_admin).get("/admin/stations/station/")

    year_filter = next(
        spec for spec in response.context["cl"].filter_specs if isinstance(spec, LedgerYearFilter)
    )
    choices = list(year_filter.choices(response.context["cl"]))
    assert [(choice["display"], choice["selected"]) for choice in choices] == [
        ("2025", True),
        ("2023", False),
    ]


def test_a_year_that_is_not_one_is_an_incorrect_lookup(admin_client_for, tree, actors, ledgers):
    response = admin_client_for(actors.county_admin).get("/admin/stations/station/?year=abc")

    assert (response.status_code, response.url) == (302, "/admin/stations/station/?e=1")


def test_the_change_page_shows_the_stations_latest_ledger_year(
    admin_client_for, tree, actors, ledgers
):
    station = Station.objects.get(area=tree.town_a1)

    response = admin_client_for(actors.county_admin).get(
        f"/admin/stations/station/{station.pk}/change/"
    )

    assert "2025 meets: 0.31 h/resident-week (≥ 0.1); 2 cases (≥ 1)" in response.content.decode()


# --- the staffing detail and the status date -----------------------------------------------------


def test_the_change_page_names_the_failing_staffing_conditions_and_people(
    admin_client_for, tree, actors
):
    station = staffed_station(tree.town_a1, staff=2, qualified=1)

    response = admin_client_for(actors.county_admin).get(
        f"/admin/stations/station/{station.pk}/change/"
    )

    assert (
        "2 resident staff; the rule asks for at least 3. 1 of 2 resident staff qualified; the "
        "rule asks for at least 2/3. Not qualified: 社工1."
    ) in response.content.decode()


def test_moving_the_status_date_alone_in_the_admin_is_a_form_error(admin_client_for, tree, actors):
    station = make_station(
        tree.town_a1, status_since=datetime.date(2024, 1, 1), opened_on=datetime.date(2024, 1, 1)
    )
    form = _station_form(tree.town_a1, status="operating", status_since="2024-03-01")
    form.update({"opened_on": "2024-01-01"})

    response = admin_client_for(actors.county_admin).post(
        f"/admin/stations/station/{station.pk}/change/", form
    )

    assert response.context["adminform"].form.errors == {
        "status_since": [
            "The status date changes only with the status; the current status dates from "
            "2024-01-01."
        ]
    }
    assert Station.objects.get(pk=station.pk).status_since == datetime.date(2024, 1, 1)
    assert station.status_changes.count() == 0
