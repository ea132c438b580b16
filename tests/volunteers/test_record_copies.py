"""A service record carries copies of its activity's community and start (the list's indexes are
on the record table): every write path keeps them equal to the activity's, and the lists scope
and order by them."""

import datetime
import importlib
from decimal import Decimal

from django.apps import apps as django_apps
from django.db import connection

import pytest

from tests.volunteers.factories import make_activity, make_volunteer
from volunteers import selectors, services
from volunteers.models import Activity, ServiceRecord

pytestmark = pytest.mark.django_db

MARCH = datetime.datetime(2025, 3, 1, 9, 0, tzinfo=datetime.UTC)


def record_at(activity, actor, volunteer=None) -> ServiceRecord:
    volunteer = volunteer or make_volunteer(activity.area)
    return services.record_create(
        actor=actor,
        record=ServiceRecord(volunteer=volunteer, activity=activity, hours=Decimal(2)),
    )


def copies(record) -> tuple:
    stored = ServiceRecord.objects.get(pk=record.pk)
    return stored.area_id, stored.activity_starts_at


def listed(api, actor) -> list[int]:
    response = api(actor).get("/api/v1/service-records/")
    assert response.status_code == 200
    return [row["id"] for row in response.json()["results"]]


def test_a_new_record_copies_its_activitys_community_and_start(tree, actors):
    activity = make_activity(tree.comm_a2, when=MARCH)

    record = record_at(activity, actors.county_admin)

    assert copies(record) == (tree.comm_a2.pk, MARCH)
    assert not selectors.records_out_of_step().exists()


def test_moving_an_activity_moves_its_records_into_the_new_reach(api, tree, actors):
    activity = make_activity(tree.comm_a2, when=MARCH)
    record = record_at(activity, actors.county_admin)
    assert listed(api, actors.township_admin) == []

    activity = Activity.objects.get(pk=activity.pk)
    activity.area = tree.comm_a1_urban
    services.activity_save(actor=actors.county_admin, activity=activity)

    assert copies(record) == (tree.comm_a1_urban.pk, MARCH)
    assert listed(api, actors.township_admin) == [record.pk]
    response = api(actors.township_admin).get(f"/api/v1/service-records/{record.pk}/")
    assert (response.status_code, response.json()["area"]) == (200, "150602001001")


def test_rescheduling_an_activity_reorders_its_records(api, tree, actors):
    volunteer = make_volunteer(tree.comm_a2)
    early = make_activity(tree.comm_a2, title="早", when=MARCH)
    late = make_activity(tree.comm_a2, title="晚", when=MARCH + datetime.timedelta(days=5))
    early_record = record_at(early, actors.county_admin, volunteer)
    late_record = record_at(late, actors.county_admin, volunteer)
    assert listed(api, actors.county_admin) == [late_record.pk, early_record.pk]

    early = Activity.objects.get(pk=early.pk)
    early.starts_at = MARCH + datetime.timedelta(days=9)
    services.activity_save(actor=actors.county_admin, activity=early)

    assert copies(early_record) == (tree.comm_a2.pk, MARCH + datetime.timedelta(days=9))
    assert listed(api, actors.county_admin) == [early_record.pk, late_record.pk]
    assert not selectors.records_out_of_step().exists()


def test_records_of_the_same_start_are_listed_by_id(api, tree, actors):
    first = make_activity(tree.comm_a2, title="甲", when=MARCH)
    second = make_activity(tree.comm_a2, title="乙", when=MARCH)
    volunteer = make_volunteer(tree.comm_a2)
    records = [record_at(activity, actors.county_admin, volunteer) for activity in (second, first)]

    assert listed(api, actors.county_admin) == sorted(record.pk for record in records)


def test_a_record_out_of_step_is_found(tree, actors):
    activity = make_activity(tree.comm_a2, when=MARCH)
    record = record_at(activity, actors.county_admin)
    # A write around the services (what the check is for): the activity moved alone.
    Activity.objects.filter(pk=activity.pk).update(starts_at=MARCH - datetime.timedelta(days=1))

    assert list(selectors.records_out_of_step().values_list("pk", flat=True)) == [record.pk]


class _Editor:
    """What the migration's function reads of a schema editor: the connection, and execute."""

    connection = connection

    def execute(self, sql, params=()):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def test_the_migration_fills_the_copies_from_the_activities(tree, actors):
    # given records whose copies are wrong (as after adding the columns, before filling them)
    migration = importlib.import_module("volunteers.migrations.0006_record_area_and_start")
    activity = make_activity(tree.comm_a2, when=MARCH)
    other = make_activity(tree.comm_a1_urban, when=MARCH + datetime.timedelta(days=3))
    records = [record_at(activity, actors.county_admin), record_at(other, actors.county_admin)]
    ServiceRecord.objects.update(
        area=tree.comm_b1, activity_starts_at=MARCH - datetime.timedelta(1)
    )
    assert selectors.records_out_of_step().count() == 2
    # when the migration's data step runs (PostgreSQL's joined UPDATE in CI, a subquery elsewhere)
    migration.copy_from_activities(django_apps, _Editor())
    # then every record carries its own activity's community and start
    assert [copies(record) for record in records] == [
        (tree.comm_a2.pk, MARCH),
        (tree.comm_a1_urban.pk, MARCH + datetime.timedelta(days=3)),
    ]
    assert not selectors.records_out_of_step().exists()
