"""A civil-affairs officer logs in to the admin in Chinese, finds a township by autocomplete,
adds its station and then the station's "six haves" inspection (screenshots of every step)."""

from django.utils import timezone

import pytest

from stations.models import Station, StationInspection, StationStatusChange

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ITEMS = ("premises", "equipment", "staff", "functions", "rules", "workflow")


def _pick_by_autocomplete(page, field: str, typed: str, choice: str) -> None:
    """Opens the select2 autocomplete of `field`, types, and clicks the matching choice."""
    page.click(f"#id_{field} + .select2 .select2-selection")
    page.fill(".select2-container--open .select2-search__field", typed)
    page.locator(".select2-results__option", has_text=choice).first.click()


def test_officer_adds_a_station_and_its_inspection_in_chinese(
    live_server, page, screenshot, tree, actors
):
    today = timezone.localdate().isoformat()

    # logs in to the admin, which speaks Chinese
    page.goto(f"{live_server.url}/admin/login/")
    assert page.locator("label[for=id_username]").inner_text().startswith("用户名")
    page.fill("#id_username", "county_a_admin")
    page.fill("#id_password", "Passw0rd!long")
    screenshot("1-login")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    assert page.locator("#language-select").input_value() == "zh-hans"
    screenshot("2-home")

    # finds the township by autocomplete on the new station's form: only the county's areas
    page.goto(f"{live_server.url}/admin/stations/station/add/")
    page.select_option("#id_kind", "township_station")
    page.click("#id_area + .select2 .select2-selection")
    page.fill(".select2-container--open .select2-search__field", "街道")
    options = page.locator(".select2-results__option:not(.loading-results)")
    options.first.wait_for()
    offered = sorted(o.split(" ")[0] for o in options.all_inner_texts())
    assert [name for name in offered if "街道" in name] == ["交通街道", "公园街道"]
    screenshot("3-autocomplete")
    page.locator(".select2-results__option", has_text="交通街道").first.click()
    page.select_option("#id_status", "planned")
    page.fill("#id_status_since", today)
    page.select_option("#id_operator", "government")
    screenshot("4-station-form")
    page.click("input[name=_save]")
    page.wait_for_url(f"{live_server.url}/admin/stations/station/")
    assert page.locator(".messagelist .success").count() == 1
    screenshot("5-station-saved")

    station = Station.objects.get()
    assert (station.area, station.kind, station.status) == (
        tree.town_a1,
        "township_station",
        "planned",
    )
    assert StationStatusChange.objects.filter(station=station).count() == 1

    # adds the station's inspection, again picking the station by autocomplete
    page.goto(f"{live_server.url}/admin/stations/stationinspection/add/")
    _pick_by_autocomplete(page, "station", "交通", "交通街道")
    page.fill("#id_inspected_on", today)
    page.fill("#id_inspector", "东胜区民政局")
    for item in ITEMS[:5]:
        page.check(f"#id_{item}_passed")
    page.fill("#id_workflow_note", "服务流程未上墙")
    screenshot("6-inspection-form")
    page.click("input[name=_save]")
    page.wait_for_url(f"{live_server.url}/admin/stations/stationinspection/")
    assert page.locator(".messagelist .success").count() == 1
    screenshot("7-inspection-saved")

    inspection = StationInspection.objects.get()
    assert (inspection.station, inspection.area, inspection.inspector) == (
        station,
        tree.town_a1,
        "东胜区民政局",
    )
    assert inspection.failing_items() == ["workflow"]
