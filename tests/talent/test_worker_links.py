"""One person, one record across counties: a person kept by another county is linked, not
refused, and both counties reach the record (masked per role), while only the keeping bureau
changes the person's details."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from talent.models import Certificate, Worker, WorkerAreaLink
from talent.services import worker_link, worker_transfer
from tests.talent.factories import make_worker

pytestmark = pytest.mark.django_db


def payload(tree, id_number: str, area, name: str = "赵敏") -> dict:
    """A registration form; 赵敏 is the name stored with workforce.worker_b's ID number."""
    return {
        "name": name,
        "id_number": id_number,
        "phone": "13700001111",
        "education": "bachelor",
        "major": "social_work",
        "post": "station_staff",
        "area": area.code,
    }


def admin_form(tree, id_number: str, name: str = "赵敏") -> dict:
    """The admin's add form for a person in 交通街道, with no certificates."""
    return {
        **payload(tree, id_number, tree.town_a1, name=name),
        "area": tree.town_a1.pk,
        "employer_kind": "",
        "employer_name": "",
        "is_active": "on",
        "certificates-TOTAL_FORMS": 0,
        "certificates-INITIAL_FORMS": 0,
        "certificates-MIN_NUM_FORMS": 0,
        "certificates-MAX_NUM_FORMS": 1000,
    }


def test_registering_a_person_kept_by_another_county_links_them(api, tree, workforce, actors):
    worker_b = workforce.worker_b
    data = payload(tree, worker_b.id_number, tree.town_a1)

    response = api(actors.county_admin).post("/api/v1/workers/", data, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["name"], body["area"], body["served_areas"]) == (
        worker_b.pk,
        "赵敏",
        "150603001001",
        ["150602001000"],
    )
    assert Worker.objects.filter(id_number=worker_b.id_number).count() == 1
    stored = Worker.objects.get(pk=worker_b.pk)
    assert (stored.name, stored.phone, stored.area_id) == ("赵敏", "13912345678", tree.comm_b1.pk)


def test_an_id_number_with_another_name_links_nobody(api, tree, workforce, actors):
    data = payload(tree, workforce.worker_b.id_number, tree.town_a1, name="周静")

    response = api(actors.county_admin).post("/api/v1/workers/", data, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "name": [
            "The name does not match the person registered with this ID number in another "
            "area; check the ID number and the name."
        ]
    }
    assert WorkerAreaLink.objects.count() == 0
    listed = api(actors.county_admin).get("/api/v1/workers/").json()
    assert sorted(row["name"] for row in listed["results"]) == ["李强", "王芳"]


def test_a_name_typed_with_a_space_still_links(api, tree, workforce, actors):
    data = payload(tree, workforce.worker_b.id_number, tree.town_a1, name=" 赵 敏")

    response = api(actors.county_admin).post("/api/v1/workers/", data, format="json")

    assert response.status_code == 200
    assert list(WorkerAreaLink.objects.values_list("worker_id", "area__code")) == [
        (workforce.worker_b.pk, "150602001000")
    ]


def test_both_counties_reach_a_linked_person(api, tree, workforce, actors):
    worker_link(actor=actors.county_admin, worker=workforce.worker_b, area=tree.town_a1)

    county_a = api(actors.county_admin).get("/api/v1/workers/").json()
    county_b = api(actors.other_county_admin).get("/api/v1/workers/").json()
    city = api(actors.city_admin).get("/api/v1/workers/").json()

    assert sorted(row["name"] for row in county_a["results"]) == ["李强", "王芳", "赵敏"]
    assert [row["name"] for row in county_b["results"]] == ["赵敏"]
    # Linked to both counties, the person is still listed once above them.
    assert city["count"] == 3
    assert sorted(row["name"] for row in city["results"]) == ["李强", "王芳", "赵敏"]


def test_a_link_reaches_only_the_linked_subtree(api, tree, workforce, actors):
    worker_link(actor=actors.county_admin, worker=workforce.worker_b, area=tree.town_a2)

    township = api(actors.township_admin).get(f"/api/v1/workers/{workforce.worker_b.pk}/")
    county = api(actors.county_admin).get(f"/api/v1/workers/{workforce.worker_b.pk}/")

    assert township.status_code == 404  # 交通街道 is not the linked 公园街道
    assert county.status_code == 200


@pytest.mark.parametrize(
    ("_case", "actor", "id_number", "phone"),
    [
        ("administrator_full", "county_admin", "150603199501020428", "13912345678"),
        ("reviewer_masked", "reviewer", "1506**********0428", "139****5678"),
    ],
)
def test_a_linked_person_is_masked_as_everywhere(
    api, tree, workforce, actors, _case, actor, id_number, phone
):
    assert workforce.worker_b.id_number == "150603199501020428"
    worker_link(actor=actors.county_admin, worker=workforce.worker_b, area=tree.town_a1)

    body = api(getattr(actors, actor)).get(f"/api/v1/workers/{workforce.worker_b.pk}/").json()

    assert (body["id_number"], body["phone"]) == (id_number, phone)


def test_only_the_keeping_bureau_changes_or_deletes_the_person(api, tree, workforce, actors):
    worker_b = workforce.worker_b
    worker_link(actor=actors.county_admin, worker=worker_b, area=tree.town_a1)
    client = api(actors.county_admin)

    changed = client.patch(f"/api/v1/workers/{worker_b.pk}/", {"name": "改名"}, format="json")
    deleted = client.delete(f"/api/v1/workers/{worker_b.pk}/")

    expected = {
        "detail": [
            "This person's record is kept by 康巴什区's civil-affairs bureau; only it can change "
            "the person's details."
        ]
    }
    assert (changed.status_code, changed.json()) == (400, expected)
    assert (deleted.status_code, deleted.json()) == (400, expected)
    assert Worker.objects.get(pk=worker_b.pk).name == "赵敏"
    kept = api(actors.other_county_admin).patch(
        f"/api/v1/workers/{worker_b.pk}/", {"name": "赵敏敏"}, format="json"
    )
    assert kept.status_code == 200
    assert Worker.objects.get(pk=worker_b.pk).name == "赵敏敏"


def test_the_linked_county_records_a_certificate_of_the_person(api, tree, workforce, actors):
    worker_link(actor=actors.county_admin, worker=workforce.worker_b, area=tree.town_a1)

    response = api(actors.county_admin).post(
        "/api/v1/certificates/",
        {
            "worker": workforce.worker_b.pk,
            "level": "assistant",
            "number": "A201815000077",
            "obtained_on": "2018-06-30",
        },
        format="json",
    )

    assert response.status_code == 201
    assert Certificate.objects.get(number="A201815000077").worker_id == workforce.worker_b.pk


def test_unlinking_ends_the_reach(api, tree, workforce, actors):
    worker_link(actor=actors.county_admin, worker=workforce.worker_b, area=tree.town_a1)
    client = api(actors.county_admin)

    response = client.post(
        f"/api/v1/workers/{workforce.worker_b.pk}/unlink/", {"area": "150602001000"}, format="json"
    )

    assert response.status_code == 204
    assert not WorkerAreaLink.objects.exists()
    assert client.get(f"/api/v1/workers/{workforce.worker_b.pk}/").status_code == 404
    assert Worker.objects.filter(pk=workforce.worker_b.pk).exists()


def test_unlinking_an_area_not_linked_names_the_field(api, tree, workforce, actors):
    worker_link(actor=actors.county_admin, worker=workforce.worker_b, area=tree.town_a1)

    response = api(actors.county_admin).post(
        f"/api/v1/workers/{workforce.worker_b.pk}/unlink/", {"area": "150602002000"}, format="json"
    )

    assert (response.status_code, response.json()) == (
        400,
        {"area": ["The person is not linked to this area."]},
    )
    assert WorkerAreaLink.objects.count() == 1


def test_linking_to_an_area_out_of_reach_is_refused(tree, workforce, actors):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        worker_link(actor=actors.county_admin, worker=workforce.worker_b, area=tree.town_b1)

    assert refused.value.message_dict == {"area": ["No such area within your reach."]}
    assert not WorkerAreaLink.objects.exists()


def test_transfer_to_a_linked_area_drops_the_link(tree, workforce, actors):
    worker_link(actor=actors.county_admin, worker=workforce.worker_b, area=tree.town_a1)

    worker_transfer(actor=actors.city_admin, worker=workforce.worker_b, area=tree.town_a1)

    assert Worker.objects.get(pk=workforce.worker_b.pk).area_id == tree.town_a1.pk
    assert not WorkerAreaLink.objects.exists()


def _list_queries(api, actor) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = api(actor).get("/api/v1/workers/")
    assert response.status_code == 200
    return len(queries)


def test_the_list_costs_the_same_with_more_linked_people(api, tree, actors):
    def add(count: int) -> None:
        for index in range(count):
            worker = make_worker(tree.comm_b1, name=f"人{index}")
            worker_link(actor=actors.city_admin, worker=worker, area=tree.town_a1)
            worker_link(actor=actors.city_admin, worker=worker, area=tree.town_a2)

    add(2)
    _list_queries(api, actors.county_admin)  # the first request also loads the permissions
    few = _list_queries(api, actors.county_admin)
    add(10)
    many = _list_queries(api, actors.county_admin)

    assert few == many


def test_adding_a_person_kept_elsewhere_in_the_admin_links_them(client, tree, workforce, actors):
    client.force_login(actors.county_admin)
    form = admin_form(tree, workforce.worker_b.id_number)

    response = client.post("/admin/talent/worker/add/", form)

    assert response.status_code == 302
    assert Worker.objects.count() == 3
    assert list(WorkerAreaLink.objects.values_list("worker_id", "area__code")) == [
        (workforce.worker_b.pk, "150602001000")
    ]
    assert Worker.objects.get(pk=workforce.worker_b.pk).name == "赵敏"


def test_the_admin_names_the_field_when_the_name_is_not_the_persons(
    client, tree, workforce, actors
):
    client.force_login(actors.county_admin)
    form = admin_form(tree, workforce.worker_b.id_number, name="周静")

    response = client.post("/admin/talent/worker/add/", form)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "name": [
            "The name does not match the person registered with this ID number in another "
            "area; check the ID number and the name."
        ]
    }
    assert WorkerAreaLink.objects.count() == 0


def test_the_admin_list_shows_a_linked_person(client, tree, workforce, actors):
    worker_link(actor=actors.county_admin, worker=workforce.worker_b, area=tree.town_a1)
    client.force_login(actors.county_admin)

    response = client.get("/admin/talent/worker/")

    assert sorted(w.name for w in response.context["cl"].result_list) == ["李强", "王芳", "赵敏"]
