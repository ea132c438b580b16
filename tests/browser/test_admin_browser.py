"""An officer logs in to the admin in Chinese and finds a township by the area search."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_county_officer_logs_in_in_chinese_and_sees_only_the_county(
    live_server, page, screenshot, actors
):
    page.goto(f"{live_server.url}/admin/login/")
    assert page.locator("label[for=id_username]").inner_text().startswith("用户名")
    page.fill("#id_username", "county_a_admin")
    page.fill("#id_password", "Passw0rd!long")
    screenshot("login")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")

    page.goto(f"{live_server.url}/admin/stations/adminarea/?q=街道")
    rows = page.locator("#result_list tbody tr")
    names = sorted(rows.locator("td.field-name").all_inner_texts())
    screenshot("areas")

    assert names == ["交通街道", "公园街道"]
    assert page.locator("#language-select").input_value() == "zh-hans"
