"""The audit trail of bulk imports: one summary entry per import run, in django-auditlog's table.

Row-by-row writes (admin, API, portal) are logged per object by django-auditlog's signals. Bulk
imports write with COPY / bulk_create, which send no signals; per-row entries would also double
the national area import (713,035 rows, see docs/performance.md "Audit of imports"). So each run
leaves one entry saying who imported which file when, and how many rows it created and changed;
scoped like every entry by the importer's area path, and read-only in the admin.
"""

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext as _

from auditlog.models import LogEntry

from stations.access import actor_root_path

# The counts an import result may carry, as recorded (any other attribute is ignored).
COUNTED = ("rows", "created", "updated", "unchanged", "skipped")


def import_record(
    *, actor, model: type[models.Model] | str, name: str, result, channel: str
) -> LogEntry:
    """Records one import run of rows of `model` (a class or "app.Model"); `channel` says where
    it came from ("admin", "command")."""
    counts = {
        key: getattr(result, key) for key in COUNTED if isinstance(getattr(result, key, None), int)
    }
    changed = counts.get("created", 0) + counts.get("updated", 0)
    file_name = str(name or "")
    # Scoped like every entry by the importer's subtree; "" (everything) for the command line.
    area_path = (actor_root_path(actor) or "") if actor is not None else ""
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(
            apps.get_model(model) if isinstance(model, str) else model
        ),
        # No single object: an empty key, so the admin shows the text instead of a broken link.
        object_pk="",
        object_repr=_("Import of %(file)s") % {"file": file_name},
        action=LogEntry.Action.CREATE if counts.get("created") else LogEntry.Action.UPDATE,
        changes={
            "file": [None, file_name],
            **{key: [None, value] for key, value in counts.items()},
        },
        changes_text=str(result),
        actor=actor if actor is not None and actor.is_authenticated else None,
        additional_data={
            "area_path": area_path,
            "import": {"file": file_name, "channel": channel, "changed": changed, **counts},
        },
    )
