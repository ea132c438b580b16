"""What every talent service shares: scope checks that read as "not found"."""

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.translation import gettext as _

from stations.access import area_in_scope, scope_to_actor
from talent.models import WORKER_REACH, Worker

FIRST_EXAM_YEAR = 2008  # the first national social-worker exam


def not_found(field: str, message: str | None = None) -> ValidationError:
    return ValidationError(
        {field: ValidationError(message or _("No such record within your reach."), code="invalid")}
    )


def assert_stored_in_scope(obj: Model, *, actor, area_field: str, field: str) -> None:
    """Refuses to change a stored row the actor does not reach (whatever the new values say)."""
    if obj.pk is None:
        return
    stored = scope_to_actor(type(obj).objects.filter(pk=obj.pk), actor=actor, area_field=area_field)
    if not stored.exists():
        raise not_found(field)


def worker_reached(worker: Worker, *, actor) -> bool:
    """Whether the actor reaches the worker: their own area, or an area linked to them.

    Cost: none when the own area is in reach, else one query for the links.
    """
    if area_in_scope(worker.area, actor=actor):
        return True
    linked = Worker.objects.filter(pk=worker.pk)
    return (
        worker.pk is not None
        and scope_to_actor(linked, actor=actor, area_field=WORKER_REACH).exists()
    )


def assert_worker_in_scope(worker: Worker | None, *, actor, field: str = "worker") -> None:
    if worker is None or not worker_reached(worker, actor=actor):
        raise not_found(field, _("No such worker within your reach."))
