"""The volunteer demo on the hand-made tree: it loads, and a second run changes nothing."""

import pytest

from stations.models import User
from volunteers import demo
from volunteers.models import (
    Activity,
    PointsEntry,
    ServicePoint,
    ServiceRecord,
    Team,
    TeamMembership,
    Volunteer,
)
from volunteers.selectors import records_out_of_step

pytestmark = pytest.mark.django_db
MODELS = (Volunteer, Team, TeamMembership, ServicePoint, Activity, ServiceRecord, PointsEntry)


def state() -> list[list[tuple]]:
    return [list(model.objects.order_by("pk").values_list()) for model in MODELS]


def test_demo_loads_once_and_a_second_run_changes_nothing(tree):
    User.objects.create_user(username="ordos_admin", admin_area=tree.city)

    first = demo.load()
    loaded = state()
    second = demo.load()

    assert (first, second) == ([], [])
    assert state() == loaded
    assert Team.objects.count() == 3  # one per township with communities
    assert Activity.objects.count() == 36  # a year of monthly activities per team


def test_demo_balances_match_the_ledger(tree):
    demo.load()

    # Ordered by pk, the dict keeps each volunteer's latest balance.
    last = dict(PointsEntry.objects.order_by("pk").values_list("volunteer", "balance_after"))
    balances = dict(Volunteer.objects.filter(pk__in=last).values_list("pk", "points_balance"))

    assert balances == last
    assert ServiceRecord.objects.filter(is_verified=True).count() >= 1
    # the records carry their activity's community and start, as the services write them
    assert not records_out_of_step().exists()
