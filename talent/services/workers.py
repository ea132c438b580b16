"""Writes to workers.

One person, one record. A worker is identified across the whole platform by the resident ID
number (unique). A worker has one current `area` (where they work), and only actors reaching that
area see or change the record. When someone registers or imports a person whose ID number is
already recorded:

- in the actor's reach: the existing worker is found and updated (imports) or named by its pk so
  that the client changes it instead (API and admin create: "already registered (worker 12)");
- outside the actor's reach: the write is refused with "This person is registered in another area;
  ask <county>'s civil-affairs bureau to transfer them." Only the name of the county-level bureau
  that keeps the record is said; nothing of the record itself (name, phone, certificates) is shown,
  and nothing is overwritten. The keeping bureau (or a common ancestor, such as the city) then
  moves the worker with `worker_transfer`, after which the new county reaches the record.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from stations.access import area_assert_in_scope, area_in_scope
from stations.areas import SIGNIFICANT_DIGITS
from stations.models import AdminArea
from stations.validators import validate_id_number
from talent.identity import id_number_birth_date, id_number_gender
from talent.models import Worker
from talent.services.common import assert_stored_in_scope


def bureau_area_codes(areas: list[AdminArea]) -> dict[int, str]:
    """The code of the civil-affairs bureau (county or above) keeping each area's records."""
    county = AdminArea.Level.COUNTY
    digits = SIGNIFICANT_DIGITS[county]
    return {
        area.pk: area.code[:digits] + "0" * (12 - digits) if area.level > county else area.code
        for area in areas
    }


def bureau_names(areas: list[AdminArea]) -> dict[int, str]:
    """The name of the bureau keeping each area's records, by area pk. One query."""
    codes = bureau_area_codes(areas)
    names = dict(AdminArea.objects.filter(code__in=set(codes.values())).values_list("code", "name"))
    return {pk: names.get(code, "") for pk, code in codes.items()}


def registered_elsewhere_message(bureau_name: str) -> str:
    return _(
        "This person is registered in another area; ask %(area)s's civil-affairs bureau to "
        "transfer them."
    ) % {"area": bureau_name}


def already_registered_message(pk: int) -> str:
    return _("This person is already registered (worker %(pk)s); change that record instead.") % {
        "pk": pk
    }


def normalise_id_number(value: str) -> str:
    """Strips spaces and upper-cases the check character x, as staff often type it."""
    return (value or "").strip().replace(" ", "").upper()


def worker_validate(worker: Worker, *, exclude: set[str] | None = None) -> None:
    """Field validation, with the birth date and gender derived from a valid ID number.

    `exclude`: fields not to check (a form's fields that already failed or are not shown).
    """
    exclude = set(exclude or ())
    worker.id_number = normalise_id_number(worker.id_number)
    worker.phone = (worker.phone or "").strip()
    errors: dict[str, list] = {}
    if "id_number" not in exclude:
        try:
            validate_id_number(worker.id_number)
        except ValidationError as invalid:
            errors["id_number"] = invalid.error_list
        else:
            worker.birth_date = id_number_birth_date(worker.id_number)
            worker.gender = id_number_gender(worker.id_number)
    if errors or "id_number" in exclude:
        # A bad ID number is reported once, by its own rule; what it would give is unknown.
        exclude |= {"id_number", "birth_date", "gender"}
    try:
        worker.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as invalid:
        errors.update(invalid.error_dict)
    if errors:
        raise ValidationError(errors)


def worker_assert_new_person(worker: Worker, *, actor) -> None:
    """Refuses a second record of a person: names the existing one, or the bureau keeping it."""
    other = (
        Worker.objects.filter(id_number=worker.id_number)
        .exclude(pk=worker.pk)
        .select_related("area")
        .first()
    )
    if other is None:
        return
    if actor is None or area_in_scope(other.area, actor=actor):
        message, code = already_registered_message(other.pk), "worker_exists"
    else:
        message = registered_elsewhere_message(bureau_names([other.area])[other.area.pk])
        code = "worker_in_other_area"
    raise ValidationError({"id_number": ValidationError(message, code=code)})


@transaction.atomic
def worker_save(*, actor, worker: Worker) -> Worker:
    """Creates or updates a worker within the actor's reach; one record per ID number."""
    assert_stored_in_scope(worker, actor=actor, area_field="area", field="area")
    area_assert_in_scope(worker.area if worker.area_id else None, actor=actor)
    worker_validate(worker)
    worker_assert_new_person(worker, actor=actor)
    worker.save()
    return worker


@transaction.atomic
def worker_transfer(*, actor, worker: Worker, area: AdminArea) -> Worker:
    """Moves a worker the actor reaches to another area (possibly outside the actor's reach).

    This is how a bureau hands a person over to the county where they now work.
    """
    assert_stored_in_scope(worker, actor=actor, area_field="area", field="area")
    worker.area = area
    worker_validate(worker)
    worker.save(update_fields=["area", "updated_at"])
    return worker


@transaction.atomic
def worker_delete(*, actor, worker: Worker) -> None:
    """Deletes a worker with their certificates and records; refused while grants refer to them."""
    assert_stored_in_scope(worker, actor=actor, area_field="area", field="area")
    worker.delete()
