"""Writes to workers.

One person, one record. A worker is identified across the whole platform by the resident ID
number (unique). A worker has one own `area` (where the record is kept) and may be linked to
further areas they serve (`WorkerAreaLink`); actors reaching any of these areas see the record
(`talent.models.WORKER_REACH`). When someone registers or imports a person whose ID number is
already recorded:

- kept in the actor's reach (the own area): the existing worker is found and updated (imports) or
  named by its pk so that the client changes it instead (API and admin create: "already registered
  (worker 12)");
- kept outside the actor's reach: the person is linked to the area the actor named
  (`worker_register`, the import) when the name given is the stored one (an ID number alone,
  which many people know or can derive, must not open a stranger's record to another county),
  and nothing of the stored record is overwritten: the bureau
  keeping it stays the one that changes the person's details, transfers or deletes them. The
  linked county then sees the record (masked as everywhere) and records its own facts about the
  person (certificates, training attendance, exam entries).

A person who moves for good is transferred by the keeping bureau (`worker_transfer`).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from stations.access import area_assert_in_scope, area_in_scope, scope_to_actor
from stations.areas import SIGNIFICANT_DIGITS
from stations.models import AdminArea
from stations.validators import validate_id_number
from talent.identity import id_number_birth_date, id_number_gender
from talent.models import WORKER_REACH, Worker, WorkerAreaLink
from talent.services.common import assert_stored_in_scope, not_found


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
    """Where a person kept elsewhere turns up (lookup, find page, a changed ID number): how to
    link them (registering them with one of your areas does, see worker_register), or move them."""
    return _(
        "This person is registered in another area, kept by %(area)s's civil-affairs bureau. To "
        "work with them here, add them with this ID number and one of your areas: they are "
        "linked to it, not recorded twice. To move the record, ask that bureau to transfer them."
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


def same_name(given: str, stored: str) -> bool:
    """Whether a name typed by staff is the stored one (spaces aside, as in "欧阳 明")."""
    return "".join((given or "").split()) == "".join((stored or "").split())


def name_mismatch_message() -> str:
    return _(
        "The name does not match the person registered with this ID number in another area; "
        "check the ID number and the name."
    )


def worker_assert_same_name(worker: Worker, *, stored: Worker | None = None) -> None:
    """Refuses, on `name`, a registration whose ID number is stored with another name."""
    if stored is None:
        stored = Worker.objects.filter(id_number=worker.id_number).only("name").first()
    if stored is not None and not same_name(worker.name, stored.name):
        raise ValidationError(
            {"name": ValidationError(name_mismatch_message(), code="worker_name_mismatch")}
        )


def kept_elsewhere_message(bureau_name: str) -> str:
    return _(
        "This person's record is kept by %(area)s's civil-affairs bureau; only it can change "
        "the person's details."
    ) % {"area": bureau_name}


def assert_worker_kept_by_actor(worker: Worker, *, actor) -> None:
    """Refuses a change of the person's record by an actor who only reaches it through a link.

    An actor who does not reach the record at all is told it does not exist.
    """
    if worker.pk is None:
        return
    stored = Worker.objects.select_related("area").filter(pk=worker.pk).first()
    if stored is None or area_in_scope(stored.area, actor=actor):
        return
    reached = scope_to_actor(
        Worker.objects.filter(pk=worker.pk), actor=actor, area_field=WORKER_REACH
    ).exists()
    if not reached:
        raise not_found("area")
    raise ValidationError(
        kept_elsewhere_message(bureau_names([stored.area])[stored.area.pk]),
        code="worker_kept_elsewhere",
    )


@transaction.atomic
def worker_save(*, actor, worker: Worker) -> Worker:
    """Creates or updates a worker within the actor's reach; one record per ID number."""
    assert_worker_kept_by_actor(worker, actor=actor)
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
    assert_worker_kept_by_actor(worker, actor=actor)
    assert_stored_in_scope(worker, actor=actor, area_field="area", field="area")
    worker.area = area
    worker_validate(worker)
    worker.save(update_fields=["area", "updated_at"])
    # The new own area needs no link of its own.
    WorkerAreaLink.objects.filter(worker=worker, area=area).delete()
    return worker


@transaction.atomic
def worker_delete(*, actor, worker: Worker) -> None:
    """Deletes a worker with their certificates and records; refused while grants refer to them.

    Only the bureau keeping the record deletes the person; a linked county unlinks them instead.
    """
    assert_worker_kept_by_actor(worker, actor=actor)
    assert_stored_in_scope(worker, actor=actor, area_field="area", field="area")
    worker.delete()


@transaction.atomic
def worker_link(*, actor, worker: Worker, area: AdminArea) -> tuple[WorkerAreaLink, bool]:
    """Links a registered person to an area of the actor's that they serve; (link, created).

    The person may be kept anywhere (that is the point: a second county links the person it
    found by ID number). Linking to the person's own area, or again, changes nothing.
    """
    area_assert_in_scope(area, actor=actor)
    if worker.area_id == area.pk:
        return WorkerAreaLink(worker=worker, area=area), False
    link, created = WorkerAreaLink.objects.get_or_create(worker=worker, area=area)
    return link, created


@transaction.atomic
def worker_unlink(*, actor, link: WorkerAreaLink) -> None:
    """Removes a link; by an actor reaching the linked area or keeping the person's record."""
    if not (area_in_scope(link.area, actor=actor) or area_in_scope(link.worker.area, actor=actor)):
        raise not_found("area")
    link.delete()


@transaction.atomic
def worker_register(*, actor, worker: Worker) -> tuple[Worker, bool]:
    """Registers a person in an area of the actor's: (worker, linked).

    A new ID number creates the worker. A person the actor's bureau already keeps is refused
    (change that record). A person kept elsewhere is linked to `worker.area` instead of being
    recorded twice, and the stored record is returned unchanged (linked True), provided the
    name given is the stored one (refused on `name` otherwise).
    """
    area_assert_in_scope(worker.area if worker.area_id else None, actor=actor)
    worker_validate(worker)
    stored = (
        Worker.objects.select_related("area").filter(id_number=worker.id_number).first()
        if worker.pk is None
        else None
    )
    if stored is None or area_in_scope(stored.area, actor=actor):
        return worker_save(actor=actor, worker=worker), False
    worker_assert_same_name(worker, stored=stored)
    worker_link(actor=actor, worker=stored, area=worker.area)
    return stored, True
