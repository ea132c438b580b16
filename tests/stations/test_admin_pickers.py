"""No admin form offers a big table (areas, workers, organisations, volunteers, stations) as a
plain <select>: each such picker is an autocomplete (or a raw id), scoped like the list."""

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.widgets import (
    AutocompleteMixin,
    ForeignKeyRawIdWidget,
    ManyToManyRawIdWidget,
    RelatedFieldWidgetWrapper,
)
from django.forms import ModelChoiceField
from django.test import RequestFactory

import pytest

from orgs.models import CommunityOrg
from stations.models import AdminArea, Station
from talent.models import Worker
from volunteers.models import Volunteer

pytestmark = pytest.mark.django_db

# Models whose tables reach tens of thousands of rows on a national deployment.
BIG_MODELS = {AdminArea, Worker, CommunityOrg, Volunteer, Station}
PICKER_WIDGETS = (AutocompleteMixin, ForeignKeyRawIdWidget, ManyToManyRawIdWidget)


def _codes(response) -> set[str]:
    ids = [row["id"] for row in response.json()["results"]]
    return set(AdminArea.objects.filter(pk__in=ids).values_list("code", flat=True))


def _plain_selects(form, where: str) -> list[str]:
    """The big-table pickers of a form (class or instance) that are plain selects."""
    found = []
    fields = form.fields if hasattr(form, "fields") else form.base_fields
    for name, field in fields.items():
        if not isinstance(field, ModelChoiceField) or field.queryset.model not in BIG_MODELS:
            continue
        widget = field.widget
        if isinstance(widget, RelatedFieldWidgetWrapper):
            widget = widget.widget
        if not isinstance(widget, PICKER_WIDGETS):
            found.append(f"{where}.{name} -> {field.queryset.model.__name__}")
    return found


def _own_add_view(model_admin) -> bool:
    """Whether the project replaced the admin's add page (with a form get_form does not make)."""
    for klass in type(model_admin).__mro__:
        if "add_view" in klass.__dict__:
            return not klass.__module__.startswith("django.")
    return False


def _admin_forms(model_admin, request, client):
    """The add and change forms of an admin and of each of its inlines (a read-only admin
    renders no pickers at all). A replaced add page is rendered and its form checked."""
    model = model_admin.model
    label = model._meta.label
    if model_admin.has_add_permission(request) and _own_add_view(model_admin):
        opts = model._meta
        response = client.get(f"/admin/{opts.app_label}/{opts.model_name}/add/")
        assert response.status_code == 200, label
        yield f"{label} (add page)", response.context["form"]
    elif model_admin.has_add_permission(request):
        yield label, model_admin.get_form(request, None)
    if model_admin.has_change_permission(request):
        yield label, model_admin.get_form(request, model(), change=True)
    for inline in model_admin.get_inline_instances(request, None):
        yield f"{label}/{inline.model.__name__}", inline.get_formset(request, None).form


def test_no_admin_form_renders_a_big_table_as_a_plain_select(client, actors):
    request = RequestFactory().get("/admin/")
    request.user = actors.superuser
    client.force_login(actors.superuser)
    offenders = []
    for model_admin in admin.site._registry.values():
        for where, form_class in _admin_forms(model_admin, request, client):
            offenders.extend(_plain_selects(form_class, where))
    assert sorted(set(offenders)) == [], "\n".join(sorted(set(offenders)))


def test_the_walk_catches_a_plain_area_select(actors):
    # The check itself: a ModelAdmin without autocomplete_fields gives a plain select.
    request = RequestFactory().get("/admin/")
    request.user = actors.superuser
    plain = admin.ModelAdmin(Worker, admin.site)
    assert _plain_selects(plain.get_form(request, None), "Worker") == ["Worker.area -> AdminArea"]


def test_contract_township_autocomplete_offers_townships_in_scope_only(client, tree, actors):
    client.force_login(actors.county_admin)
    response = client.get(
        "/admin/autocomplete/",
        {"term": "", "app_label": "projects", "model_name": "contract", "field_name": "townships"},
    )
    assert response.status_code == 200
    assert _codes(response) == {"150602001000", "150602002000"}


def test_worker_area_autocomplete_offers_every_level_in_scope(client, tree, actors):
    client.force_login(actors.township_admin)
    response = client.get(
        "/admin/autocomplete/",
        {"term": "", "app_label": "talent", "model_name": "worker", "field_name": "area"},
    )
    assert response.status_code == 200
    assert _codes(response) == {
        "150602001000",
        "150602001001",
        "150602001201",
    }


COUNTY_A = {
    "150602000000",
    "150602001000",
    "150602001001",
    "150602001201",
    "150602002000",
    "150602002001",
}


@pytest.mark.parametrize(
    ("_case", "model", "field", "expected"),
    [
        ("worker", "talent.Worker", "area", COUNTY_A),
        ("training", "talent.Training", "area", COUNTY_A),
        ("policy", "talent.IncentivePolicy", "area", COUNTY_A),
        ("contract townships", "projects.Contract", "townships", {"150602001000", "150602002000"}),
    ],
)
def test_area_autocompletes_still_accept_only_areas_in_scope(
    _case, model, field, expected, tree, actors
):
    # The widget changed; the choices a posted value is checked against did not.
    request = RequestFactory().get("/admin/")
    request.user = actors.county_admin
    form_class = admin.site._registry[apps.get_model(model)].get_form(request, None)
    assert set(form_class.base_fields[field].queryset.values_list("code", flat=True)) == expected
