"""Scoping through the admin: lists, change pages, deletes, autocompletes and area pickers."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from stations.models import AdminArea, User
from tests.factories import make_area

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_county_admin_lists_only_its_county(admin_client_for, actors):
    response = admin_client_for(actors.county_admin).get("/admin/stations/adminarea/")
    assert response.status_code == 200
    assert {area.code for area in response.context["cl"].result_list} == {
        "150602000000",
        "150602001000",
        "150602001001",
        "150602001201",
        "150602002000",
        "150602002001",
    }


@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_other_county_pages_are_not_found(admin_client_for, tree, actors, view):
    client = admin_client_for(actors.county_admin)
    response = client.get(f"/admin/stations/adminarea/{tree.county_b.pk}/{view}/")
    assert response.status_code == 404


def test_posting_a_change_to_another_county_changes_nothing(admin_client_for, tree, actors):
    client = admin_client_for(actors.county_admin)
    response = client.post(
        f"/admin/stations/adminarea/{tree.town_b1.pk}/change/",
        {"name": "被改", "level": 3, "parent": tree.county_b.code},
    )
    assert response.status_code == 404
    assert AdminArea.objects.get(pk=tree.town_b1.pk).name == "哈巴格希街道"


def test_deleting_another_countys_area_is_not_found(admin_client_for, tree, actors):
    client = admin_client_for(actors.county_admin)
    response = client.post(f"/admin/stations/adminarea/{tree.comm_b1.pk}/delete/", {"post": "yes"})
    assert response.status_code == 404
    assert AdminArea.objects.filter(pk=tree.comm_b1.pk).exists()


def test_bulk_delete_action_ignores_out_of_scope_ids(admin_client_for, tree, actors):
    client = admin_client_for(actors.county_admin)
    client.post(
        "/admin/stations/adminarea/",
        {"action": "delete_selected", "_selected_action": [tree.comm_b1.pk], "post": "yes"},
    )
    assert AdminArea.objects.filter(pk=tree.comm_b1.pk).exists()


def _area_form(**overrides):
    data = {
        "code": "150602009000",
        "name": "新街道",
        "level": 3,
        "parent": "150602000000",
        "urban_rural": "",
        "urban_rural_code": "",
        "longitude": "",
        "latitude": "",
        "populations-TOTAL_FORMS": "1",
        "populations-INITIAL_FORMS": "0",
        "populations-MIN_NUM_FORMS": "0",
        "populations-MAX_NUM_FORMS": "1000",
        "populations-0-year": "2025",
        "populations-0-population": "12000",
        "populations-0-source": "",
    }
    data.update(overrides)
    return data


def test_county_admin_adds_a_township_with_population(admin_client_for, tree, actors):
    response = admin_client_for(actors.county_admin).post(
        "/admin/stations/adminarea/add/", _area_form()
    )
    assert response.status_code == 302
    area = AdminArea.objects.get(code="150602009000")
    assert area.path == "/150600000000/150602000000/150602009000/"
    assert area.populations.get().population == 12000


def test_the_parent_picker_refuses_another_county(admin_client_for, tree, actors):
    response = admin_client_for(actors.county_admin).post(
        "/admin/stations/adminarea/add/",
        _area_form(code="150603009000", parent="150603000000"),
    )
    assert response.status_code == 200
    assert "parent" in response.context["adminform"].form.errors
    assert not AdminArea.objects.filter(code="150603009000").exists()


def test_a_code_that_does_not_fit_its_parent_is_a_form_error(admin_client_for, tree, actors):
    response = admin_client_for(actors.county_admin).post(
        "/admin/stations/adminarea/add/", _area_form(code="150602009001")
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["code"] == [
        "A code at level Township / street must end in 3 zeros."
    ]
    assert not AdminArea.objects.filter(code="150602009001").exists()


def test_autocomplete_offers_only_areas_in_scope(admin_client_for, tree, actors):
    response = admin_client_for(actors.county_admin).get(
        "/admin/autocomplete/",
        {
            "term": "街道",
            "app_label": "stations",
            "model_name": "adminarea",
            "field_name": "parent",
        },
    )
    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == {"150602001000", "150602002000"}


def test_area_changelist_does_not_count_the_whole_table(admin_client_for, actors):
    client = admin_client_for(User.objects.get(pk=actors.superuser.pk))
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/admin/stations/adminarea/")
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert response.status_code == 200
    # The only count is the capped one, over a LIMITed subquery.
    assert len(counts) == 1
    assert "LIMIT 10001" in counts[0]


def test_changelist_query_count_is_independent_of_rows(admin_client_for, tree, actors):
    def queries_for_changelist() -> int:
        client = admin_client_for(User.objects.get(pk=actors.city_admin.pk))
        with CaptureQueriesContext(connection) as queries:
            client.get("/admin/stations/adminarea/")
        return len(queries.captured_queries)

    before = queries_for_changelist()
    for number in range(3, 9):
        make_area(f"15060200{number}000", f"街道{number}", AdminArea.Level.TOWNSHIP, tree.county_a)

    assert queries_for_changelist() == before


def test_county_admin_sees_only_its_users_and_cannot_make_superusers(
    admin_client_for, tree, actors
):
    client = admin_client_for(actors.county_admin)
    listed = {u.username for u in client.get("/admin/stations/user/").context["cl"].result_list}
    other = client.get(f"/admin/stations/user/{actors.other_county_admin.pk}/change/")

    assert listed == {"county_a_admin", "county_a_reviewer", "town_a1_admin", "contractor_a"}
    assert other.status_code == 404
    form = (
        client.get(f"/admin/stations/user/{actors.township_admin.pk}/change/")
        .context["adminform"]
        .form
    )
    assert "is_superuser" not in form.fields
    assert "user_permissions" not in form.fields


def test_adding_an_account_without_an_area_is_a_form_error(admin_client_for, actors):
    client = admin_client_for(actors.county_admin)
    count = User.objects.count()

    response = client.post(
        "/admin/stations/user/add/",
        {"username": "no_area", "password1": "Xq7!pLm2#vRt9", "password2": "Xq7!pLm2#vRt9"},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "admin_area": ["No such area within your reach."]
    }
    assert User.objects.count() == count


def test_another_countys_contractor_cannot_be_given_to_an_account(admin_client_for, tree, actors):
    from tests.factories import ContractorFactory

    other = ContractorFactory(area=tree.county_b)
    client = admin_client_for(actors.county_admin)
    target = actors.reviewer

    response = client.post(
        f"/admin/stations/user/{target.pk}/change/",
        {
            "username": target.username,
            "admin_area": tree.county_a.pk,
            "contractor": other.pk,
            "is_active": "on",
            "is_staff": "on",
        },
    )

    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["contractor"]
    assert User.objects.get(pk=target.pk).contractor_id is None


def test_user_with_no_area_sees_no_areas(admin_client_for, actors):
    response = admin_client_for(actors.nobody).get("/admin/stations/adminarea/")
    assert list(response.context["cl"].result_list) == []


def test_area_export_is_scoped_and_can_be_imported_again(admin_client_for, tree, actors, tmp_path):
    from io import BytesIO

    from openpyxl import load_workbook

    from stations.imports import area_import

    client = admin_client_for(actors.county_admin)
    response = client.post(
        "/admin/stations/adminarea/",
        {
            "action": "export_xlsx",
            # an id of another county is ignored: the action only sees the scoped changelist
            "_selected_action": [tree.town_a1.pk, tree.comm_a1_urban.pk, tree.comm_b1.pk],
        },
    )
    sheet = load_workbook(BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    (tmp_path / "export.xlsx").write_bytes(response.content)

    assert rows[0] == [
        "code",
        "parent",
        "name",
        "level",
        "ur_code",
        "virtual",
        "dummy",
        "longitude",
        "latitude",
    ]
    assert sorted(row[0] for row in rows[1:]) == ["150602001000", "150602001001"]
    assert area_import(tmp_path / "export.xlsx", actor=actors.county_admin).unchanged == 2


def test_area_import_page_shows_row_errors_and_writes_nothing(admin_client_for, tree, actors):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = admin_client_for(actors.county_admin)
    upload = SimpleUploadedFile(
        "areas.csv",
        "code,parent,name,level\n150602009000,150602000000,新街道,town\n"
        "150603009000,150603000000,越界街道,town\n".encode(),
    )

    response = client.post("/admin/stations/adminarea/import/", {"file": upload})

    assert response.status_code == 200
    assert response.context["errors"] == ["Row 3, column code: This area is outside your reach."]
    assert not AdminArea.objects.filter(code="150602009000").exists()


def test_area_import_page_imports_a_good_file(admin_client_for, tree, actors):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = admin_client_for(actors.county_admin)
    upload = SimpleUploadedFile(
        "areas.csv", "code,parent,name,level\n150602009000,150602000000,新街道,town\n".encode()
    )

    response = client.post("/admin/stations/adminarea/import/", {"file": upload})

    assert response.status_code == 302
    assert AdminArea.objects.get(code="150602009000").path == (
        "/150600000000/150602000000/150602009000/"
    )


def test_viewer_has_no_import_page(admin_client_for, actors):
    response = admin_client_for(actors.viewer).get("/admin/stations/adminarea/import/")
    assert response.status_code == 403
