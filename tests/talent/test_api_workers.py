"""The workers API: masking per role, one record per person across counties, look-up, transfer,
filters, and list query counts that do not grow with the rows."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import pytest

from stations.models import User
from talent.models import Certificate, Worker
from tests.talent.factories import make_certificate, make_id_number, make_worker

pytestmark = pytest.mark.django_db


def payload(tree, id_number: str, area=None, **fields) -> dict:
    return {
        "name": "周静",
        "id_number": id_number,
        "phone": "13700001111",
        "education": "bachelor",
        "major": "social_work",
        "post": "station_staff",
        "area": (area or tree.town_a1).code,
        **fields,
    }


@pytest.mark.parametrize(
    ("_case", "actor", "id_number", "phone", "birth_date"),
    [
        (
            "administrator_sees_all",
            "county_admin",
            "150602198803091247",
            "13912345678",
            "1988-03-09",
        ),
        ("superuser_sees_all", "superuser", "150602198803091247", "13912345678", "1988-03-09"),
        ("reviewer_masked", "reviewer", "1506**********1247", "139****5678", None),
        ("viewer_masked", "viewer", "1506**********1247", "139****5678", None),
    ],
)
def test_personal_data_is_masked_per_role(
    api, workforce, actors, _case, actor, id_number, phone, birth_date
):
    assert workforce.worker_a.id_number == "150602198803091247"

    listing = api(getattr(actors, actor)).get("/api/v1/workers/?area=150602001001")
    detail = api(getattr(actors, actor)).get(f"/api/v1/workers/{workforce.worker_a.pk}/")

    row = listing.json()["results"][0]
    assert (row["id_number"], row["phone"], row["birth_date"]) == (id_number, phone, birth_date)
    body = detail.json()
    assert (body["id_number"], body["phone"], body["birth_date"]) == (id_number, phone, birth_date)


def test_the_worker_output_carries_certificates_and_both_flags(api, workforce, actors):
    response = api(actors.county_admin).get(f"/api/v1/workers/{workforce.worker_a.pk}/")

    body = response.json()
    assert body["certificates"] == [
        {
            "id": workforce.certificate_a.pk,
            "level": "assistant",
            "number": workforce.certificate_a.number,
            "obtained_on": "2020-09-12",
        }
    ]
    assert (
        body["highest_level"],
        body["is_professional_staff"],
        body["has_social_work_qualification"],
        body["gender"],
        body["area"],
    ) == ("assistant", True, True, "female", "150602001001")


# The same person registered by another county is linked: see test_worker_links.py.


def test_the_same_person_in_reach_is_found_not_duplicated(api, tree, workforce, actors):
    data = payload(tree, workforce.worker_a.id_number)

    response = api(actors.county_admin).post("/api/v1/workers/", data, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "id_number": [
            f"This person is already registered (worker {workforce.worker_a.pk}); "
            "change that record instead."
        ]
    }
    assert Worker.objects.count() == 3


def test_changing_an_id_number_to_another_persons_is_refused(api, workforce, actors):
    response = api(actors.city_admin).patch(
        f"/api/v1/workers/{workforce.worker_a.pk}/",
        {"id_number": workforce.worker_b.id_number},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["id_number"]
    assert Worker.objects.get(pk=workforce.worker_a.pk).id_number == "150602198803091247"


@pytest.mark.parametrize(
    ("_case", "actor", "id_number_of", "status", "found"),
    [
        ("own_worker", "county_admin", "worker_a", 200, "worker_a"),
        ("viewer_finds_masked", "viewer", "worker_b", 200, "worker_b"),
        ("other_county", "county_admin", "worker_b", 404, None),
        ("no_area", "nobody", "worker_a", 404, None),
    ],
)
def test_lookup_by_id_number_in_the_body(
    api, workforce, actors, _case, actor, id_number_of, status, found
):
    id_number = getattr(workforce, id_number_of).id_number

    response = api(getattr(actors, actor)).post(
        "/api/v1/workers/lookup/", {"id_number": id_number.lower()}, format="json"
    )

    assert response.status_code == status
    if found:
        assert response.json()["id"] == getattr(workforce, found).pk
    else:
        assert "id" not in response.json()


def test_lookup_of_a_person_kept_elsewhere_names_the_bureau(api, workforce, actors):
    response = api(actors.county_admin).post(
        "/api/v1/workers/lookup/", {"id_number": workforce.worker_b.id_number}, format="json"
    )
    assert response.json() == {
        "detail": "This person is registered in another area, kept by 康巴什区's civil-affairs "
        "bureau. To work with them here, add them with this ID number and one of your areas: "
        "they are linked to it, not recorded twice. To move the record, ask that bureau to "
        "transfer them."
    }


def test_lookup_of_an_unknown_person(api, workforce, actors):
    response = api(actors.county_admin).post(
        "/api/v1/workers/lookup/", {"id_number": make_id_number()}, format="json"
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "No worker with this ID number within your reach."}


def test_transfer_hands_a_worker_over_to_another_county(api, tree, workforce, actors):
    client = api(actors.county_admin)

    response = client.post(
        f"/api/v1/workers/{workforce.worker_a.pk}/transfer/",
        {"area": tree.comm_b1.code},
        format="json",
    )
    after = client.get(f"/api/v1/workers/{workforce.worker_a.pk}/")
    other = api(actors.other_county_admin).get(f"/api/v1/workers/{workforce.worker_a.pk}/")

    assert response.status_code == 200
    assert response.json()["area"] == "150603001001"
    assert (after.status_code, other.status_code) == (404, 200)
    assert Worker.objects.get(pk=workforce.worker_a.pk).area == tree.comm_b1


@pytest.mark.parametrize(
    ("_case", "actor", "target", "status"),
    [
        ("viewer_may_not", "viewer", "worker_a", 403),
        ("other_county_not_found", "other_county_admin", "worker_a", 404),
    ],
)
def test_transfer_is_refused(api, tree, workforce, actors, _case, actor, target, status):
    response = api(getattr(actors, actor)).post(
        f"/api/v1/workers/{getattr(workforce, target).pk}/transfer/",
        {"area": tree.comm_b1.code},
        format="json",
    )
    assert response.status_code == status
    assert Worker.objects.get(pk=workforce.worker_a.pk).area == tree.comm_a1_urban


def test_an_administrator_creates_and_updates_a_worker(api, tree, actors):
    client = api(actors.county_admin)
    id_number = make_id_number(datetime.date(1999, 7, 1), serial=7)

    created = client.post("/api/v1/workers/", payload(tree, id_number), format="json")
    pk = created.json()["id"]
    updated = client.patch(
        f"/api/v1/workers/{pk}/",
        {"post": "community_worker", "area": tree.comm_a2.code},
        format="json",
    )

    assert created.status_code == 201
    assert updated.status_code == 200
    worker = Worker.objects.get(pk=pk)
    assert (worker.post, worker.area, worker.gender, worker.birth_date) == (
        "community_worker",
        tree.comm_a2,
        "male",
        datetime.date(1999, 7, 1),
    )


@pytest.mark.parametrize("actor", ["viewer", "reviewer"])
def test_readers_cannot_write(api, tree, workforce, actors, actor):
    client = api(getattr(actors, actor))
    create = client.post("/api/v1/workers/", payload(tree, make_id_number()), format="json")
    change = client.patch(f"/api/v1/workers/{workforce.worker_a.pk}/", {"name": "x"}, format="json")
    delete = client.delete(f"/api/v1/workers/{workforce.worker_a.pk}/")

    assert (create.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert Worker.objects.count() == 3
    assert Worker.objects.get(pk=workforce.worker_a.pk).name == "王芳"


def test_deleting_a_worker_with_a_grant_is_a_clear_400(api, workforce, actors):
    response = api(actors.county_admin).delete(f"/api/v1/workers/{workforce.worker_a.pk}/")
    assert response.status_code == 400
    assert Worker.objects.filter(pk=workforce.worker_a.pk).exists()


def test_deleting_a_worker_without_grants(api, workforce, actors):
    response = api(actors.county_admin).delete(f"/api/v1/workers/{workforce.worker_a2.pk}/")
    assert response.status_code == 204
    assert not Worker.objects.filter(pk=workforce.worker_a2.pk).exists()


@pytest.mark.parametrize(
    ("_case", "query", "expected"),
    [
        ("area_code", "area=150602001001", {"王芳"}),
        ("within_county", "within=150602000000", {"王芳", "李强"}),
        ("within_unknown", "within=150699000000", set()),
        ("level_assistant", "level=assistant", {"王芳"}),
        ("level_intermediate", "level=intermediate", {"赵敏"}),
        ("post", "post=station_staff", {"李强"}),
        ("professional", "professional_staff=true", {"王芳", "赵敏"}),
        ("not_professional", "professional_staff=false", {"李强"}),
        ("social_work_qualified", "social_work_qualified=true", {"王芳", "赵敏"}),
        ("qualified_false", "qualified=false", {"李强"}),
        ("inactive", "active=false", {"李强"}),
        ("search", "search=赵", {"赵敏"}),
    ],
)
def test_worker_filters(api, workforce, actors, _case, query, expected):
    Worker.objects.filter(pk=workforce.worker_a2.pk).update(is_active=False)

    response = api(actors.city_admin).get(f"/api/v1/workers/?{query}&page_size=100")

    assert {row["name"] for row in response.json()["results"]} == expected


def test_registration_expiring_filter(api, workforce, actors):
    today = timezone.localdate()
    workforce.registration_a.starts_on = today - datetime.timedelta(days=1000)
    workforce.registration_a.ends_on = today + datetime.timedelta(days=90)
    workforce.registration_a.save()
    workforce.registration_b.starts_on = today - datetime.timedelta(days=900)
    workforce.registration_b.ends_on = today + datetime.timedelta(days=91)
    workforce.registration_b.save()

    response = api(actors.city_admin).get("/api/v1/workers/?registration_expiring=true")

    assert [row["name"] for row in response.json()["results"]] == ["王芳"]


def test_worker_list_query_count_does_not_grow_with_rows(api, tree, workforce, actors):
    def fetch():
        client = api(User.objects.get(pk=actors.city_admin.pk))
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/workers/?page_size=100")
        return response, len(queries.captured_queries)

    _first, before = fetch()
    for number in range(4):
        worker = make_worker(tree.comm_a2, name=f"新人{number}")
        make_certificate(worker, Certificate.Level.INTERMEDIATE)
        make_certificate(worker, Certificate.Level.ASSISTANT)

    response, after = fetch()

    assert len(response.json()["results"]) == 7
    assert after == before
