"""Excel/CSV imports of volunteers and of service records: all rows checked, then all written.

Volunteers are matched by resident ID number: a person in the actor's reach is updated in place, a
person registered elsewhere is refused (see volunteers.services). Service records are matched by
(volunteer, activity): an unchanged row is skipped, different hours are refused (correct them with
a reason instead), so that re-importing a file never duplicates nor silently overwrites.
"""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stations.access import actor_root_path, scope_to_actor
from stations.models import AdminArea
from stations.tabular import ImportRejected, RowError, read_table
from volunteers import services
from volunteers.models import Activity, ServiceRecord, Skill, Volunteer

MAX_BYTES = 10 * 1024 * 1024
VOLUNTEER_REQUIRED = ["name", "id_number", "community"]
VOLUNTEER_OPTIONAL = ["phone", "skills", "national_number", "joined_on", "active"]
RECORD_REQUIRED = ["id_number", "activity", "hours"]
RECORD_OPTIONAL = ["verified"]
TRUE_WORDS = {"t", "true", "1", "y", "yes", "是"}
FALSE_WORDS = {"f", "false", "0", "n", "no", "否", ""}
SKILL_SEPARATORS = re.compile(r"[,，、;；/|]+")


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    verified: int = 0

    def __str__(self) -> str:
        return _("%(created)d created, %(updated)d updated, %(unchanged)d unchanged.") % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }


def _bool(value: str, number: int, column: str, errors: list[RowError]) -> bool:
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    errors.append(RowError(number, column, _("“%(value)s” is not t or f.") % {"value": value}))
    return False


def _date(value: str, number: int, column: str, errors: list[RowError]) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value.strip()[:10])
    except ValueError:
        errors.append(
            RowError(
                number, column, _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": value}
            )
        )
        return None


def _skills(value: str, number: int, errors: list[RowError]) -> list[str]:
    by_word = {code: code for code in Skill.values}
    by_word.update({str(label).lower(): code for code, label in Skill.choices})
    skills = []
    for word in (part.strip() for part in SKILL_SEPARATORS.split(value)):
        if not word:
            continue
        code = by_word.get(word.lower())
        if code is None:
            errors.append(
                RowError(number, "skills", _("Unknown skill “%(value)s”.") % {"value": word})
            )
        else:
            skills.append(code)
    return skills


def _row_errors(number: int, error: ValidationError, columns: dict[str, str]) -> list[RowError]:
    """A service's ValidationError as row errors, the model fields named by their file columns."""
    if hasattr(error, "error_dict"):
        return [
            RowError(number, columns.get(field, field if field != "__all__" else ""), message)
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    return [RowError(number, "", message) for message in error.messages]


def _assert_actor_has_area(actor) -> None:
    if actor_root_path(actor) is None:
        raise ImportRejected([RowError(0, "", _("Your account has no area; it cannot import."))])


@transaction.atomic
def volunteer_import(
    source: str | Path | IO[bytes], *, actor=None, name: str | None = None
) -> ImportResult:
    """Imports volunteers; raises ImportRejected naming every bad row, having written nothing."""
    actor = actor or services.command_line_actor()
    _assert_actor_has_area(actor)
    table = read_table(
        source,
        required=VOLUNTEER_REQUIRED,
        optional=VOLUNTEER_OPTIONAL,
        name=name,
        max_bytes=MAX_BYTES,
    )
    errors: list[RowError] = []
    codes = {row["community"] for _number, row in table.rows}
    areas = scope_to_actor(AdminArea.objects.filter(code__in=codes), actor=actor, area_field=None)
    areas_by_code = {area.code: area for area in areas}
    id_numbers = {services.normalise_id_number(row["id_number"]) for _n, row in table.rows}
    existing = {
        volunteer.id_number: volunteer
        for volunteer in Volunteer.objects.filter(id_number__in=id_numbers).select_related("area")
    }
    columns = {"area": "community", "is_active": "active"}
    seen: dict[str, int] = {}
    pending: list[tuple[int, Volunteer, bool]] = []
    for number, row in table.rows:
        row_errors: list[RowError] = []
        id_number = services.normalise_id_number(row["id_number"])
        if id_number in seen:
            errors.append(
                RowError(
                    number,
                    "id_number",
                    _("This person appears again (first on row %(row)d).")
                    % {"row": seen[id_number]},
                )
            )
            continue
        seen[id_number] = number
        area = areas_by_code.get(row["community"])
        if area is None:
            row_errors.append(
                RowError(
                    number,
                    "community",
                    _("No community %(code)s within your reach.") % {"code": row["community"]},
                )
            )
        joined_on = (
            _date(row["joined_on"], number, "joined_on", row_errors)
            if row.get("joined_on")
            else timezone.localdate()
        )
        skills = _skills(row.get("skills", ""), number, row_errors)
        is_active = _bool(row.get("active", ""), number, "active", row_errors) or not row.get(
            "active", ""
        )
        if row_errors:
            errors.extend(row_errors)
            continue
        stored = existing.get(id_number)
        volunteer = stored if stored is not None else Volunteer()
        before = (
            (
                stored.name,
                stored.phone,
                stored.area_id,
                stored.skills,
                stored.national_number,
                stored.joined_on,
                stored.is_active,
            )
            if stored
            else None
        )
        volunteer.name = row["name"]
        volunteer.id_number = id_number
        volunteer.phone = row.get("phone", "")
        volunteer.area = area
        volunteer.skills = skills
        volunteer.national_number = row.get("national_number", "")
        volunteer.joined_on = joined_on
        volunteer.is_active = is_active
        try:
            if (
                stored is not None
                and not scope_to_actor(Volunteer.objects.filter(pk=stored.pk), actor=actor).exists()
            ):
                services.volunteer_assert_new_person(Volunteer(id_number=id_number), actor=actor)
            services.volunteer_validate(volunteer)
        except ValidationError as error:
            errors.extend(_row_errors(number, error, columns))
            continue
        after = (
            volunteer.name,
            volunteer.phone,
            volunteer.area_id,
            volunteer.skills,
            volunteer.national_number,
            volunteer.joined_on,
            volunteer.is_active,
        )
        pending.append((number, volunteer, before != after))
    if errors:
        raise ImportRejected(sorted(errors, key=lambda error: error.row))
    result = ImportResult()
    for number, volunteer, changed in pending:
        if not changed:
            result.unchanged += 1
            continue
        created = volunteer.pk is None
        try:
            services.volunteer_save(actor=actor, volunteer=volunteer)
        except ValidationError as error:
            raise ImportRejected(_row_errors(number, error, columns)) from None
        if created:
            result.created += 1
        else:
            result.updated += 1
    if result.created or result.updated:
        # One refresh of the figures for the whole file, not one per row (debounced).
        from reports.services import compliance_refresh_after_import

        compliance_refresh_after_import(area_paths={area.path for area in areas_by_code.values()})
    return result


@transaction.atomic
def service_record_import(
    source: str | Path | IO[bytes], *, actor=None, name: str | None = None
) -> ImportResult:
    """Imports service hours (volunteer by ID number, activity by id); all rows or nothing."""
    actor = actor or services.command_line_actor()
    _assert_actor_has_area(actor)
    table = read_table(
        source, required=RECORD_REQUIRED, optional=RECORD_OPTIONAL, name=name, max_bytes=MAX_BYTES
    )
    errors: list[RowError] = []
    id_numbers = {services.normalise_id_number(row["id_number"]) for _n, row in table.rows}
    volunteers = {
        v.id_number: v
        for v in scope_to_actor(
            Volunteer.objects.filter(id_number__in=id_numbers), actor=actor
        ).select_related("area")
    }
    activity_ids = {int(row["activity"]) for _n, row in table.rows if row["activity"].isdigit()}
    activities = {
        a.pk: a
        for a in scope_to_actor(
            Activity.objects.filter(pk__in=activity_ids), actor=actor
        ).select_related("area")
    }
    stored = {
        (r.volunteer_id, r.activity_id): r
        for r in ServiceRecord.objects.filter(
            volunteer__in=volunteers.values(), activity__in=activities.values()
        )
    }
    now = timezone.now()
    seen: dict[tuple[int, int], int] = {}
    pending: list[tuple[int, ServiceRecord, bool]] = []
    result = ImportResult()
    for number, row in table.rows:
        row_errors: list[RowError] = []
        volunteer = volunteers.get(services.normalise_id_number(row["id_number"]))
        if volunteer is None:
            row_errors.append(
                RowError(number, "id_number", _("No such volunteer within your reach."))
            )
        activity = activities.get(int(row["activity"])) if row["activity"].isdigit() else None
        if activity is None:
            row_errors.append(
                RowError(
                    number,
                    "activity",
                    _("No activity %(value)s within your reach.") % {"value": row["activity"]},
                )
            )
        elif activity.starts_at > now:
            row_errors.append(
                RowError(number, "activity", _("The activity has not taken place yet."))
            )
        try:
            hours = Decimal(row["hours"].replace(",", "."))
        except InvalidOperation:
            hours = None
        if hours is None or not hours.is_finite():
            row_errors.append(
                RowError(
                    number, "hours", _("“%(value)s” is not a number.") % {"value": row["hours"]}
                )
            )
        elif not Decimal(0) < hours <= Decimal(24) or hours != hours.quantize(Decimal("0.01")):
            row_errors.append(
                RowError(number, "hours", _("Hours must be above 0 and at most 24, in hundredths."))
            )
        verify = _bool(row.get("verified", ""), number, "verified", row_errors)
        if row_errors:
            errors.extend(row_errors)
            continue
        key = (volunteer.pk, activity.pk)
        if key in seen:
            errors.append(
                RowError(
                    number,
                    "id_number",
                    _("This volunteer appears again for the activity (first on row %(row)d).")
                    % {"row": seen[key]},
                )
            )
            continue
        seen[key] = number
        existing = stored.get(key)
        if existing is not None:
            if existing.hours != hours:
                errors.append(
                    RowError(
                        number,
                        "hours",
                        _(
                            "Already recorded with %(hours)s hours; correct the record with a "
                            "reason instead."
                        )
                        % {"hours": existing.hours},
                    )
                )
            else:
                result.unchanged += 1
            continue
        pending.append(
            (number, ServiceRecord(volunteer=volunteer, activity=activity, hours=hours), verify)
        )
    if errors:
        raise ImportRejected(sorted(errors, key=lambda error: error.row))
    for number, record, verify in pending:
        try:
            services.record_create(actor=actor, record=record, verify=verify)
        except ValidationError as error:
            raise ImportRejected(_row_errors(number, error, {})) from None
        result.created += 1
        result.verified += int(verify)
    if result.created:
        # One refresh of the figures for the whole file, not one per row (debounced).
        from reports.services import compliance_refresh_after_import

        compliance_refresh_after_import(
            area_paths={activity.area.path for activity in activities.values()}
        )
    return result
