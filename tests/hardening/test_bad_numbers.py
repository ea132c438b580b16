"""Numbers the database cannot hold are a 400 naming the problem, never a 500 (found by fuzzing)."""

from django.db import connection

import pytest

pytestmark = pytest.mark.django_db

HUGE = "-4503354941622016" + "0" * 280


@pytest.mark.parametrize(
    ("_case", "url", "query"),
    [
        ("inspection_station_id", "/api/v1/station-inspections/", {"station": HUGE}),
        ("record_activity_id", "/api/v1/service-records/", {"activity": HUGE}),
    ],
)
def test_an_id_beyond_any_integer_column_is_never_a_500(api, actors, _case, url, query):
    response = api(actors.county_admin).get(url, query)

    if connection.vendor == "sqlite":
        # SQLite cannot even bind the number: the API says so instead of failing.
        assert (response.status_code, response.json()) == (
            400,
            {"detail": "A number in the request is out of range."},
        )
    else:
        # PostgreSQL compares it as a numeric and finds no such row.
        assert (response.status_code, response.json()["count"]) == (200, 0)


@pytest.mark.parametrize("year", ["0", "0.0", "10000"])
def test_a_ledger_year_outside_the_calendar_names_the_field(api, actors, year):
    response = api(actors.county_admin).get("/api/v1/ledger/", {"year": year})

    assert response.status_code == 400
    assert list(response.json()) == ["year"]
