"""The reach through several area paths (a worker's own area or a linked one) is written as a
UNION of ids for a county or below and as an OR for a city or above: the same rows either way,
each once; the form is chosen by the reader's area."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from stations.access import reach_condition, scope_to_actor
from stations.areas import is_county_or_below
from talent.models import WORKER_REACH, Certificate, Worker, WorkerAreaLink, worker_reach
from tests.talent.factories import make_certificate, make_worker

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/150600000000/", False),  # a city
        ("/320000000000/", False),  # a province
        ("/320000000000/320300000000/", False),
        ("/150600000000/150602000000/", True),  # a county
        ("/150600000000/150602000000/150602001000/", True),  # a township
        ("/150600000000/150602000000/150602000001/", True),  # an irregular published township
        ("/150600000000/150602000000/150602001000/150602001001/", True),  # a community
        ("/", False),
    ],
)
def test_county_or_below(path, expected):
    assert is_county_or_below(path) is expected


@pytest.fixture
def workers(tree):
    own = make_worker(tree.comm_a2, name="本区")
    linked = make_worker(tree.comm_b1, name="外区关联")
    both = make_worker(tree.comm_a1_urban, name="本区且关联")
    make_worker(tree.comm_b1, name="外区")
    WorkerAreaLink.objects.create(worker=linked, area=tree.comm_a2)
    WorkerAreaLink.objects.create(worker=both, area=tree.comm_a2)
    WorkerAreaLink.objects.create(worker=both, area=tree.comm_a1_rural)
    for worker in (own, linked, both):
        make_certificate(worker)
    return [own, linked, both]


@pytest.mark.parametrize(
    ("model", "fields"),
    [(Worker, WORKER_REACH), (Certificate, worker_reach("worker__"))],
)
def test_both_forms_reach_the_same_rows_once(model, fields, tree, workers, monkeypatch):
    county = tree.county_a.path
    union = list(model.objects.filter(reach_condition(model, fields, county)).order_by("pk"))
    monkeypatch.setattr("stations.access.is_county_or_below", lambda path: False)
    either = list(model.objects.filter(reach_condition(model, fields, county)).order_by("pk"))

    expected = sorted(workers, key=lambda worker: worker.pk)
    if model is Certificate:
        expected = list(Certificate.objects.filter(worker__in=workers).order_by("pk"))
    assert union == either == expected


@pytest.mark.parametrize(("actor", "form"), [("county_admin", "UNION"), ("city_admin", " OR ")])
def test_the_readers_area_chooses_the_form(actor, form, actors, workers):
    with CaptureQueriesContext(connection) as captured:
        names = list(
            scope_to_actor(
                Worker.objects.order_by("name"),
                actor=getattr(actors, actor),
                area_field=WORKER_REACH,
            ).values_list("name", flat=True)
        )

    (sql,) = [query["sql"] for query in captured if "talent_worker" in query["sql"]]
    assert form in sql
    assert (" OR " in sql, "UNION" in sql) == ((False, True) if form == "UNION" else (True, False))
    expected = {"county_admin": 3, "city_admin": 4}[actor]
    assert len(names) == expected
