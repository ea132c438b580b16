"""Every import run leaves one audit entry: who imported which file when, with its counts;
scoped like the rest of the audit log and read-only in the admin. A refused file leaves none."""

import io

from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

import pytest
from auditlog.models import LogEntry

from stations.models import AdminArea
from tests.factories import make_user
from tests.stations.test_import import GOOD, HEADER

pytestmark = pytest.mark.django_db
NEW_TOWNSHIP = HEADER + "150602009000,150602000000,新街道,town,,f,f,,\n"


def _import_entries():
    return LogEntry.objects.filter(additional_data__has_key="import")


def _upload(client, text: str, name: str = "areas.csv"):
    return client.post(
        "/admin/stations/adminarea/import/", {"file": SimpleUploadedFile(name, text.encode())}
    )


def test_an_admin_import_records_who_which_file_and_the_counts(client, tree, actors):
    client.force_login(actors.county_admin)
    LogEntry.objects.all().delete()  # forget the fixtures' own creation entries

    response = _upload(client, NEW_TOWNSHIP, "新街道.csv")

    entry = _import_entries().get()
    assert response.status_code == 302
    assert entry.actor == actors.county_admin
    assert entry.content_type == ContentType.objects.get_for_model(AdminArea)
    assert entry.action == LogEntry.Action.CREATE
    assert entry.object_repr == "Import of 新街道.csv"
    assert entry.changes_text == "1 rows read: 1 created, 0 updated, 0 unchanged, 0 skipped."
    assert entry.additional_data == {
        "area_path": tree.county_a.path,
        "import": {
            "file": "新街道.csv",
            "channel": "admin",
            "changed": 1,
            "rows": 1,
            "created": 1,
            "updated": 0,
            "unchanged": 0,
            "skipped": 0,
        },
    }
    assert LogEntry.objects.count() == 1  # the bulk write itself sends no per-row signals


def test_an_import_entry_is_scoped_and_readable_in_the_admin(client, tree, actors):
    client.force_login(actors.county_admin)
    _upload(client, NEW_TOWNSHIP)
    entry = _import_entries().get()

    own = client.get(f"/admin/auditlog/logentry/{entry.pk}/change/")
    client.force_login(actors.other_county_admin)
    other = client.get(f"/admin/auditlog/logentry/{entry.pk}/change/")
    listed = client.get("/admin/auditlog/logentry/").context["cl"].result_list
    deleted = client.post(f"/admin/auditlog/logentry/{entry.pk}/delete/", {"post": "yes"})

    assert own.status_code == 200
    assert "Import of areas.csv" in own.content.decode()
    assert other.status_code == 404
    assert entry.pk not in [row.pk for row in listed]
    assert deleted.status_code == 404
    assert _import_entries().count() == 1


def test_a_refused_import_leaves_no_entry(client, tree, actors):
    client.force_login(actors.county_admin)
    LogEntry.objects.all().delete()

    response = _upload(client, NEW_TOWNSHIP.replace("150602009000", "15060200900X"))

    assert response.status_code == 200
    assert len(response.context["errors"]) == 1
    assert LogEntry.objects.count() == 0
    assert not AdminArea.objects.filter(name="新街道").exists()


def test_a_reimport_records_the_changed_rows(client, db):
    client.force_login(make_user("root", is_superuser=True))
    _upload(client, GOOD)

    _upload(client, GOOD.replace("交通街道办事处", "交通街道"))

    first, second = _import_entries().order_by("timestamp", "pk")
    assert first.additional_data["import"]["created"] == 6
    assert second.action == LogEntry.Action.UPDATE
    assert second.additional_data["area_path"] == ""
    assert {
        key: second.additional_data["import"][key] for key in ("created", "updated", "changed")
    } == {
        "created": 0,
        "updated": 1,
        "changed": 1,
    }


def test_the_command_records_its_import(tmp_path):
    path = tmp_path / "areas.csv"
    path.write_text(GOOD)

    call_command("import_areas", str(path), stdout=io.StringIO())

    entry = _import_entries().get()
    assert entry.actor is None
    assert entry.additional_data["area_path"] == ""
    assert entry.additional_data["import"]["file"] == str(path)
    assert entry.additional_data["import"]["channel"] == "command"
    assert entry.additional_data["import"]["created"] == 6


def test_a_refused_command_import_leaves_no_entry(tmp_path):
    path = tmp_path / "areas.csv"
    path.write_text(GOOD.replace("150602001001,", "15060200100X,"))

    with pytest.raises(CommandError):
        call_command("import_areas", str(path), stderr=io.StringIO())

    assert LogEntry.objects.count() == 0
    assert AdminArea.objects.count() == 0


def test_every_record_import_kind_names_the_model_it_audits():
    from django.apps import apps

    from talent.management.commands.import_records import IMPORTERS, KIND_MODELS

    assert set(KIND_MODELS) == set(IMPORTERS)
    assert all(apps.get_model(label) for label in KIND_MODELS.values())
