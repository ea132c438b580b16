"""Two cashiers spending the same points at once: the row lock lets exactly one through.

Needs a database with row locks (PostgreSQL); SQLite serialises whole transactions instead.
"""

import threading

from django.core.exceptions import ValidationError
from django.db import connection, connections

import pytest

from stations.roles import sync_roles
from tests.volunteers.factories import make_activity, make_record, make_volunteer
from volunteers import services
from volunteers.models import PointsEntry, Volunteer

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (DATABASE_URL)"
    ),
]


@pytest.fixture
def roles(transactional_db):
    """Transactional tests flush the database, role groups included: write them again."""
    from django.apps import apps

    sync_roles(apps)


def test_concurrent_spending_never_overdraws(roles, tree, actors):
    volunteer = make_volunteer(tree.comm_a2)
    services.record_verify(
        actor=actors.county_admin, record=make_record(volunteer, make_activity(tree.comm_a2), "3")
    )
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def spend() -> None:
        try:
            barrier.wait(timeout=10)
            services.points_spend(
                actor=actors.county_admin, volunteer=volunteer, points=20, reason="兑换"
            )
            outcomes.append("spent")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=spend) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["refused", "spent"]
    assert Volunteer.objects.get(pk=volunteer.pk).points_balance == 10
    assert list(PointsEntry.objects.order_by("pk").values_list("kind", "balance_after")) == [
        ("earn", 30),
        ("spend", 10),
    ]
