"""The Ordos workforce demo: realistic, valid, deterministic and idempotent."""

from django.db.models import Count, Sum

import pytest

from stations import demo as stations_demo
from stations.models import AreaPopulation
from stations.validators import validate_id_number
from talent import demo
from talent.models import (
    Certificate,
    ExamEntry,
    IncentiveGrant,
    Registration,
    Training,
    TrainingAttendance,
    Worker,
)

pytestmark = pytest.mark.django_db
MODELS = [
    Worker,
    Certificate,
    Registration,
    Training,
    TrainingAttendance,
    ExamEntry,
    IncentiveGrant,
]


def snapshot() -> dict:
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in MODELS}


def test_the_demo_is_realistic_valid_and_idempotent():
    stations_demo.load()
    demo.load()
    first = snapshot()

    demo.load()

    assert snapshot() == first
    population = AreaPopulation.objects.filter(year=2025, area__level=4).aggregate(
        total=Sum("population")
    )["total"]
    workers = Worker.objects.select_related("area")
    assert abs(workers.count() - population * 1.5 / 1000) < 100
    for worker in workers:
        validate_id_number(worker.id_number)
    assert {worker.id_number[:6] == worker.area.code[:6] for worker in workers} == {True}
    years = {worker.birth_date.year for worker in workers}
    assert (min(years) >= 1965, max(years) <= 2002) == (True, True)
    levels = dict(Certificate.objects.values_list("level").annotate(count=Count("pk")))
    assert levels["senior"] == demo.SENIOR_COUNT
    assert levels["assistant"] > 2.5 * levels["intermediate"]
    assert Registration.objects.count() > Certificate.objects.count()
    assert (
        ExamEntry.objects.filter(passed=True).count()
        < ExamEntry.objects.filter(passed=False).count()
    )
    assert IncentiveGrant.objects.filter(policy__kind="award").count() == demo.SENIOR_COUNT
