"""The API's `*_label` fields give the stored choice's label in the request's language, as the
model's `get_<field>_display` does (they read a dict built once per response instead)."""

import datetime

from django.utils import translation

import pytest

from orgs.models import CommunityOrg
from stations.api_base import ChoiceLabelField
from stations.models import StationAssignment
from tests.factories import make_station
from tests.orgs.factories import make_org
from tests.talent.factories import make_worker

pytestmark = pytest.mark.django_db

LABELS = {
    # endpoint: (label field, the label in English, in Chinese)
    "orgs": ("type_label", "Community governance", "社区治理"),
    "stations": (
        "kind_label",
        "Township (street) social-work station",
        "乡镇（街道）社会工作服务站",
    ),
    "station-staff": ("role_label", "Resident social worker", "驻站社工"),
    "areas": ("level_label", "Township / street", "乡镇（街道）"),
}


@pytest.fixture
def rows(tree):
    make_org(tree.comm_a1_urban, org_type=CommunityOrg.Type.GOVERNANCE)
    station = make_station(tree.town_a1)
    StationAssignment.objects.create(
        station=station,
        area=tree.town_a1,
        worker=make_worker(tree.town_a1),
        role=StationAssignment.Role.RESIDENT,
        starts_on=datetime.date(2025, 1, 1),
    )
    return {
        "orgs": (CommunityOrg.objects.get(), "org_type"),
        "stations": (station, "kind"),
        "station-staff": (StationAssignment.objects.get(), "role"),
        "areas": (tree.town_a1, "level"),
    }


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_labels_follow_the_request_language(api, actors, tree, rows, language):
    client = api(actors.superuser)
    got, displayed = {}, {}
    for endpoint, (field, _english, _chinese) in LABELS.items():
        query = f"?parent={tree.county_a.code}" if endpoint == "areas" else ""
        response = client.get(f"/api/v1/{endpoint}/{query}", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, (endpoint, response.content)
        row = next(
            r
            for r in response.json()["results"]
            if r.get("code", tree.town_a1.code) == tree.town_a1.code
        )
        got[endpoint] = row[field]
        obj, model_field = rows[endpoint]
        with translation.override(language):
            displayed[endpoint] = getattr(obj, f"get_{model_field}_display")()
    index = 1 if language == "en" else 2
    assert got == {endpoint: labels[index] for endpoint, labels in LABELS.items()}
    assert got == displayed


def test_a_value_outside_the_choices_is_shown_as_stored():
    field = ChoiceLabelField(choices=CommunityOrg.Type.choices)
    with translation.override("zh-hans"):
        assert field.to_representation("governance") == "社区治理"
        assert field.to_representation("retired-kind") == "retired-kind"
    with translation.override("en"):
        assert field.to_representation("governance") == "Community governance"
