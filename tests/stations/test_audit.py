"""The audit trail records who changed what, through the admin and the API, and is read-only."""

import pytest
from auditlog.models import LogEntry

pytestmark = pytest.mark.django_db


def test_an_api_change_with_a_token_is_recorded_with_its_actor(client, tree, actors):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=actors.county_admin)
    response = client.patch(
        f"/api/v1/areas/{tree.town_a2.code}/",
        {"name": "公园街道办事处"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )

    entry = LogEntry.objects.get_for_object(tree.town_a2).get(action=LogEntry.Action.UPDATE)
    assert response.status_code == 200
    assert entry.actor == actors.county_admin
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.changes_dict["name"] == ["公园街道", "公园街道办事处"]


def test_an_admin_change_is_recorded(client, tree, actors):
    client.force_login(actors.county_admin)
    client.post(
        f"/admin/stations/adminarea/{tree.comm_a2.pk}/change/",
        {
            "code": tree.comm_a2.code,
            "name": "宝日陶亥社区居委会",
            "level": 4,
            "parent": tree.town_a2.code,
            "urban_rural": "rural",
            "urban_rural_code": "111",
            "populations-TOTAL_FORMS": "0",
            "populations-INITIAL_FORMS": "0",
            "populations-MIN_NUM_FORMS": "0",
            "populations-MAX_NUM_FORMS": "1000",
        },
    )

    entry = LogEntry.objects.get_for_object(tree.comm_a2).get(action=LogEntry.Action.UPDATE)
    assert entry.actor == actors.county_admin
    assert entry.changes_dict["urban_rural"] == ["urban", "rural"]
    assert entry.changes_dict["urban_rural_source"] == ["nbs", "manual"]


def test_a_delete_is_recorded(api, tree, actors):
    api(actors.county_admin).delete(f"/api/v1/areas/{tree.comm_a2.code}/")
    entry = LogEntry.objects.get(action=LogEntry.Action.DELETE)
    assert entry.object_repr == "宝日陶亥社区 (150602002001)"
    assert entry.actor == actors.county_admin


def test_the_audit_log_is_scoped_and_read_only(client, tree, actors, api):
    LogEntry.objects.all().delete()  # forget the fixtures' own creation entries
    api(actors.county_admin).patch(
        f"/api/v1/areas/{tree.town_a2.code}/", {"name": "甲"}, format="json"
    )
    api(actors.other_county_admin).patch(
        f"/api/v1/areas/{tree.town_b1.code}/", {"name": "乙"}, format="json"
    )
    client.force_login(actors.county_admin)

    listing = client.get("/admin/auditlog/logentry/")
    add = client.get("/admin/auditlog/logentry/add/")
    own = LogEntry.objects.get(object_pk=str(tree.town_a2.pk))
    other = LogEntry.objects.get(object_pk=str(tree.town_b1.pk))
    delete = client.post(f"/admin/auditlog/logentry/{own.pk}/delete/", {"post": "yes"})

    assert [entry.pk for entry in listing.context["cl"].result_list] == [own.pk]
    assert client.get(f"/admin/auditlog/logentry/{own.pk}/change/").status_code == 200
    assert client.get(f"/admin/auditlog/logentry/{other.pk}/change/").status_code == 404
    assert client.get("/admin/auditlog/logentry/-1/change/").status_code == 404
    assert add.status_code == 403
    assert delete.status_code == 403
    assert LogEntry.objects.count() == 2
