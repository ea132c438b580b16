"""The service-record list reads a page as its ids, then its rows by id
(`ServiceRecordViewSet.page_by_ids`): the same pages, in the same order, as one statement would
give, with the page's rows fetched by id."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from tests.volunteers.factories import make_activity, make_record, make_volunteer
from volunteers.api import ServiceRecordViewSet

pytestmark = pytest.mark.django_db

MARCH = datetime.datetime(2025, 3, 1, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def records(tree):
    """Seven records over three activities, two of them at the same start (ties by id)."""
    starts = [MARCH, MARCH, MARCH + datetime.timedelta(days=3)]
    areas = [tree.comm_a2, tree.comm_a1_urban, tree.comm_a2]
    activities = [
        make_activity(area, title=f"活动{n}", when=when)
        for n, (area, when) in enumerate(zip(areas, starts, strict=True))
    ]
    return [
        make_record(make_volunteer(tree.comm_a2, name=f"志愿者{n}"), activities[n % 3], str(n + 1))
        for n in range(7)
    ]


def pages(api, actor, size=3) -> list[list[int]]:
    client = api(actor)
    found = []
    for number in (1, 2, 3):
        response = client.get(f"/api/v1/service-records/?page_size={size}&page={number}")
        assert response.status_code == 200
        found.append([row["id"] for row in response.json()["results"]])
    return found


def test_the_pages_are_those_of_one_statement(api, tree, actors, records, monkeypatch):
    by_ids = pages(api, actors.county_admin)
    monkeypatch.setattr(ServiceRecordViewSet, "page_by_ids", False)
    whole = pages(api, actors.county_admin)

    expected = [
        record.pk
        for record in sorted(records, key=lambda r: (-r.activity_starts_at.timestamp(), r.pk))
    ]
    assert by_ids == whole == [expected[0:3], expected[3:6], expected[6:7]]


def test_the_page_reads_ids_then_its_rows(api, tree, actors, records):
    with CaptureQueriesContext(connection) as captured:
        response = api(actors.township_admin).get("/api/v1/service-records/?page_size=2")

    body = response.json()
    township = [r for r in records if r.area_id == tree.comm_a1_urban.pk]
    assert (body["count"], [row["id"] for row in body["results"]]) == (
        len(township),
        sorted(r.pk for r in township)[:2],
    )
    record_reads = [
        query["sql"]
        for query in captured
        if 'FROM "volunteers_servicerecord"' in query["sql"] and "COUNT(" not in query["sql"]
    ]
    ids, rows = record_reads[:2]
    assert ids.startswith('SELECT "volunteers_servicerecord"."id" AS "pk" FROM')
    assert '"volunteers_servicerecord"."hours"' in rows
    assert " IN (" in rows


def test_a_page_past_the_end_is_not_found(api, tree, actors, records):
    response = api(actors.county_admin).get("/api/v1/service-records/?page_size=5&page=3")
    assert response.status_code == 404
