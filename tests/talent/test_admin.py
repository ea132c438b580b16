"""The admin: scoped changelists and pages, masking per role, filters, find-by-ID, the add form's
one-record-per-person rule, and changelist query counts."""

import datetime
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import pytest

from stations.models import User
from talent.models import Certificate, Registration, Worker
from tests.talent.factories import make_certificate, make_id_number, make_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def names(response) -> set[str]:
    return {worker.name for worker in response.context["cl"].result_list}


def test_a_county_lists_only_its_workers(admin_client_for, workforce, actors):
    response = admin_client_for(actors.county_admin).get("/admin/talent/worker/")
    assert response.status_code == 200
    assert names(response) == {"王芳", "李强"}


@pytest.mark.parametrize(
    ("_case", "actor", "shown", "hidden"),
    [
        ("administrator", "city_admin", "150602198803091247", "1506**********1247"),
        ("viewer", "viewer", "1506**********1247", "150602198803091247"),
    ],
)
def test_the_changelist_masks_per_role(
    admin_client_for, workforce, actors, _case, actor, shown, hidden
):
    html = admin_client_for(getattr(actors, actor)).get("/admin/talent/worker/").content.decode()
    assert shown in html
    assert hidden not in html


def test_a_viewers_change_page_shows_no_full_id_number_or_phone(
    admin_client_for, workforce, actors
):
    response = admin_client_for(actors.viewer).get(
        f"/admin/talent/worker/{workforce.worker_a.pk}/change/"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert ("1506**********1247" in html, "150602198803091247" in html) == (True, False)
    assert ("139****5678" in html, "13912345678" in html) == (True, False)


@pytest.mark.parametrize(
    ("_case", "url"),
    [
        ("worker", "/admin/talent/worker/{worker_b}/change/"),
        ("worker_delete", "/admin/talent/worker/{worker_b}/delete/"),
        ("certificate", "/admin/talent/certificate/{certificate_b}/change/"),
        ("training", "/admin/talent/training/{training_b}/change/"),
        ("exam_entry", "/admin/talent/examentry/{exam_b}/change/"),
        ("policy", "/admin/talent/incentivepolicy/{policy_b}/change/"),
        ("grant", "/admin/talent/incentivegrant/{grant_b}/change/"),
    ],
)
def test_another_countys_pages_are_not_found(admin_client_for, workforce, actors, _case, url):
    pks = {name: getattr(workforce, name).pk for name in vars(workforce)}
    response = admin_client_for(actors.county_admin).get(url.format(**pks))
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("_case", "query", "expected"),
    [
        ("qualified_professional", "qualified=professional", {"王芳", "赵敏"}),
        ("qualified_neither", "qualified=neither", {"李强"}),
        ("level", "level=intermediate", {"赵敏"}),
        ("within", "within=150603000000", {"赵敏"}),
        ("post", "post__exact=station_staff", {"李强"}),
    ],
)
def test_changelist_filters(admin_client_for, workforce, actors, _case, query, expected):
    response = admin_client_for(actors.city_admin).get(f"/admin/talent/worker/?{query}")
    assert names(response) == expected


def test_the_expiring_registration_filter(admin_client_for, workforce, actors):
    today = timezone.localdate()
    Registration.objects.filter(pk=workforce.registration_b.pk).update(
        starts_on=today - datetime.timedelta(days=1000), ends_on=today + datetime.timedelta(days=30)
    )
    response = admin_client_for(actors.city_admin).get(
        "/admin/talent/worker/?registration=expiring"
    )
    assert names(response) == {"赵敏"}


def test_the_area_filter_offers_only_areas_in_reach(admin_client_for, workforce, actors):
    response = admin_client_for(actors.county_admin).get("/admin/talent/worker/")
    area_filter = next(
        spec for spec in response.context["cl"].filter_specs if spec.parameter_name == "within"
    )
    assert [code for code, _label in area_filter.lookup_choices] == [
        "150602001000",
        "150602001001",
        "150602001201",
        "150602002000",
        "150602002001",
    ]


@pytest.mark.parametrize(
    ("_case", "actor", "target", "outcome"),
    [
        ("own", "county_admin", "worker_a", "redirect"),
        ("other_county", "county_admin", "worker_b", "This person is registered in another area"),
        ("unknown", "county_admin", None, "No worker with this ID number within your reach."),
    ],
)
def test_find_by_id_number(admin_client_for, workforce, actors, _case, actor, target, outcome):
    id_number = getattr(workforce, target).id_number if target else make_id_number()

    response = admin_client_for(getattr(actors, actor)).post(
        "/admin/talent/worker/find/", {"id_number": id_number}
    )

    if outcome == "redirect":
        assert response.status_code == 302
        assert response["Location"] == f"/admin/talent/worker/{workforce.worker_a.pk}/change/"
    else:
        assert response.status_code == 200
        assert outcome in response.context["form"].errors["id_number"][0]


def worker_form(tree, id_number: str, **extra) -> dict:
    return {
        "name": "新员工",
        "id_number": id_number,
        "phone": "13600000000",
        "education": "college",
        "major": "social_work",
        "employer_kind": "station",
        "employer_name": "交通街道社会工作服务站",
        "post": "station_staff",
        "area": tree.town_a1.pk,
        "is_active": "on",
        "certificates-TOTAL_FORMS": "0",
        "certificates-INITIAL_FORMS": "0",
        "certificates-MIN_NUM_FORMS": "0",
        "certificates-MAX_NUM_FORMS": "1000",
        **extra,
    }


def test_adding_a_worker_with_a_certificate_through_the_admin(admin_client_for, tree, actors):
    id_number = make_id_number(datetime.date(1996, 10, 1), serial=66)
    data = worker_form(
        tree,
        id_number,
        **{
            "certificates-TOTAL_FORMS": "1",
            "certificates-0-level": "assistant",
            "certificates-0-number": "a2023150001",
            "certificates-0-obtained_on": "2023-09-10",
        },
    )

    response = admin_client_for(actors.county_admin).post("/admin/talent/worker/add/", data)

    assert response.status_code == 302
    worker = Worker.objects.get(id_number=id_number)
    assert (worker.birth_date, worker.gender) == (datetime.date(1996, 10, 1), "female")
    assert list(worker.certificates.values_list("number", "level")) == [
        ("A2023150001", "assistant")
    ]


def test_the_add_form_refuses_an_area_out_of_reach(admin_client_for, tree, actors):
    data = worker_form(tree, make_id_number(), area=tree.comm_b1.pk)
    response = admin_client_for(actors.county_admin).post("/admin/talent/worker/add/", data)
    assert list(response.context["adminform"].form.errors) == ["area"]
    assert Worker.objects.count() == 0


def test_a_certificate_for_an_out_of_reach_worker_is_refused_on_the_form(
    admin_client_for, workforce, actors
):
    response = admin_client_for(actors.county_admin).post(
        "/admin/talent/certificate/add/",
        {
            "worker": workforce.worker_b.pk,
            "level": "senior",
            "number": "C1",
            "obtained_on": "2024-09-10",
            "registrations-TOTAL_FORMS": "0",
            "registrations-INITIAL_FORMS": "0",
        },
    )
    assert list(response.context["adminform"].form.errors) == ["worker"]
    assert not Certificate.objects.filter(number="C1").exists()


def test_the_changelist_query_count_does_not_grow_with_rows(
    admin_client_for, tree, workforce, actors, client
):
    def fetch():
        client.force_login(User.objects.get(pk=actors.city_admin.pk))
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/admin/talent/worker/")
        return len(response.context["cl"].result_list), len(queries.captured_queries)

    rows_before, before = fetch()
    for number in range(4):
        worker = make_worker(tree.comm_a2, name=f"新人{number}")
        make_certificate(worker, Certificate.Level.ASSISTANT)
        make_certificate(worker, Certificate.Level.INTERMEDIATE)
    rows_after, after = fetch()

    assert (rows_before, rows_after) == (3, 7)
    assert after == before


@pytest.mark.parametrize(
    "url",
    [
        "/admin/talent/certificate/",
        "/admin/talent/training/",
        "/admin/talent/examentry/",
        "/admin/talent/incentivepolicy/",
        "/admin/talent/incentivegrant/",
    ],
)
def test_the_other_changelists_are_scoped(admin_client_for, workforce, actors, url):
    response = admin_client_for(actors.other_county_admin).get(url)
    listed = response.context["cl"].result_list
    assert response.status_code == 200
    assert {type(row).__name__ for row in listed} <= {
        "Certificate",
        "Training",
        "ExamEntry",
        "IncentivePolicy",
        "IncentiveGrant",
    }
    assert {row.pk for row in listed} == {
        getattr(workforce, name).pk
        for name in ("certificate_b", "training_b", "exam_b", "policy_b", "grant_b")
        if type(getattr(workforce, name)) is type(listed[0])
    }


def changelist_flags(html: str) -> dict[str, tuple[str, str]]:
    """(professional staff, social-work qualification) icons of each row, by worker name."""
    flags = {}
    for row in re.findall(r"<tr>(.*?)</tr>", html, flags=re.DOTALL):
        name = re.search(r'<th class="field-name"><a [^>]*>([^<]*)</a>', row)
        professional = re.search(r'<td class="field-professional_staff">.*?alt="(\w+)"', row)
        qualified = re.search(r'<td class="field-social_work_qualified">.*?alt="(\w+)"', row)
        if name:
            flags[name[1]] = (professional[1], qualified[1])
    return flags


def test_the_changelist_shows_both_qualification_flags_per_worker(
    admin_client_for, tree, workforce, actors
):
    make_worker(tree.comm_a2, name="社工本科", major=Worker.Major.SOCIAL_WORK)
    make_worker(
        tree.comm_a2,
        name="相关大专",
        major=Worker.Major.RELATED,
        education=Worker.Education.COLLEGE,
    )
    recent = make_worker(tree.comm_a2, name="新助理")
    make_certificate(recent, obtained_on=timezone.localdate() - datetime.timedelta(days=365))

    response = admin_client_for(actors.county_admin).get("/admin/talent/worker/")

    assert response.status_code == 200
    assert changelist_flags(response.content.decode()) == {
        "王芳": ("True", "True"),  # assistant certificate held more than 3 years
        "李强": ("False", "False"),  # bachelor in another major, no certificate
        "社工本科": ("True", "True"),  # social-work bachelor
        "相关大专": ("False", "True"),  # related major at college level
        "新助理": ("False", "True"),  # assistant certificate held one year
    }
