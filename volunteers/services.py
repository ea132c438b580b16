"""Writes to the volunteer records. Each service checks scope, validates, then saves.

One person, one volunteer. A volunteer is identified across the whole platform by the resident ID
number (unique), and belongs to one community (`area`); only actors reaching that community see or
change the record. Registering a person whose ID number is already recorded:

- in the actor's reach: the existing volunteer is named by its pk ("already registered (volunteer
  12)") so that the client changes it instead; imports update it in place;
- outside the actor's reach: refused with "This person is registered as a volunteer in another
  area; ask <county>'s civil-affairs bureau to transfer them." Nothing of the record is shown or
  overwritten. The keeping bureau (or a common ancestor) moves the volunteer with
  `volunteer_transfer`, after which the new community's county reaches the record.

Service hours are recorded (and so certified) by the activity's organiser: the actor must reach the
activity's community and the volunteer. Only verified hours count anywhere. Every change of hours
and every (un)verification appends a ServiceRecordCorrection; points follow through the ledger.
"""

import datetime
import hashlib
import re
import secrets
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from stations.access import area_assert_in_scope, area_in_scope, scope_to_actor
from stations.areas import SIGNIFICANT_DIGITS, codes_in_path
from stations.models import AdminArea
from stations.validators import validate_id_number
from volunteers.models import (
    Activity,
    IssuedProof,
    OrganiserKind,
    PointsEntry,
    PointsRule,
    ServicePoint,
    ServiceRecord,
    ServiceRecordCorrection,
    Skill,
    SponsorKind,
    Team,
    TeamMembership,
    Volunteer,
)

DEFAULT_POINTS_PER_HOUR = Decimal(10)
# A mobile number (11 digits starting 13-19) or a landline with its area code (0477-8500001).
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
# Serial numbers of proofs: no 0/O, 1/I/L, so that they can be read aloud and typed from paper.
SERIAL_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
SERIAL_LENGTH = 20  # 31^20 ≈ 2^99: not guessable

Level = AdminArea.Level


# --- helpers -------------------------------------------------------------------------------------


def _not_found(field: str, message: str | None = None) -> ValidationError:
    return ValidationError(
        {field: ValidationError(message or _("No such record within your reach."), code="invalid")}
    )


def _assert_stored_in_scope(obj: Model, *, actor, area_field: str, field: str) -> None:
    """Refuses to change a stored row the actor does not reach (whatever the new values say)."""
    if obj.pk is None:
        return
    stored = scope_to_actor(type(obj).objects.filter(pk=obj.pk), actor=actor, area_field=area_field)
    if not stored.exists():
        raise _not_found(field)


def _assert_community(area: AdminArea | None, *, field: str = "area") -> None:
    if area is not None and area.level != Level.COMMUNITY:
        raise ValidationError(
            {field: ValidationError(_("Choose a community or village."), code="not_community")}
        )


def _assert_volunteer_in_scope(volunteer: Volunteer | None, *, actor, field="volunteer") -> None:
    if volunteer is None or not area_in_scope(volunteer.area, actor=actor):
        raise _not_found(field, _("No such volunteer within your reach."))


def _user(actor):
    """The acting user to store on a row: None for the command line (an unsaved actor)."""
    return actor if actor is not None and actor.is_authenticated and actor.pk else None


def command_line_actor():
    """An unsaved superuser standing for `manage.py` commands, which reach everything."""
    from stations.models import User

    return User(username="command-line", is_superuser=True, is_active=True)


def bureau_name(area: AdminArea) -> str:
    """The name of the county-level civil-affairs bureau keeping an area's records."""
    digits = SIGNIFICANT_DIGITS[Level.COUNTY]
    if area.level <= Level.COUNTY:
        return area.name
    code = area.code[:digits] + "0" * (12 - digits)
    return AdminArea.objects.filter(code=code).values_list("name", flat=True).first() or ""


# --- volunteers ----------------------------------------------------------------------------------


def normalise_id_number(value: str) -> str:
    """Strips spaces and upper-cases the check character x, as staff often type it."""
    return (value or "").strip().replace(" ", "").upper()


def volunteer_validate(volunteer: Volunteer) -> None:
    """Field validation: ID number, phone, community level and the skills vocabulary."""
    volunteer.id_number = normalise_id_number(volunteer.id_number)
    volunteer.phone = (volunteer.phone or "").strip()
    volunteer.national_number = (volunteer.national_number or "").strip()
    volunteer.full_clean(validate_unique=False, validate_constraints=False)
    validate_id_number(volunteer.id_number)
    errors: dict[str, list] = {}
    if volunteer.phone and not PHONE_RE.match(volunteer.phone):
        errors["phone"] = [
            _("Give an 11-digit mobile number or a landline with its area code (0477-8500001).")
        ]
    skills = volunteer.skills
    if not isinstance(skills, list) or any(skill not in Skill.values for skill in skills):
        errors["skills"] = [
            _("Skills must be a list taken from: %(skills)s.") % {"skills": ", ".join(Skill.values)}
        ]
    else:
        volunteer.skills = sorted(set(skills))
    if volunteer.joined_on and volunteer.joined_on > timezone.localdate():
        errors["joined_on"] = [_("The date lies in the future.")]
    if errors:
        raise ValidationError(errors)
    _assert_community(volunteer.area)


def volunteer_assert_new_person(volunteer: Volunteer, *, actor) -> None:
    """Refuses a second record of a person: names the existing one, or the bureau keeping it."""
    other = (
        Volunteer.objects.filter(id_number=volunteer.id_number)
        .exclude(pk=volunteer.pk)
        .select_related("area")
        .first()
    )
    if other is None:
        return
    if actor is None or area_in_scope(other.area, actor=actor):
        message = _(
            "This person is already registered (volunteer %(pk)s); change that record instead."
        ) % {"pk": other.pk}
        code = "volunteer_exists"
    else:
        message = _(
            "This person is registered as a volunteer in another area; ask %(area)s's "
            "civil-affairs bureau to transfer them."
        ) % {"area": bureau_name(other.area)}
        code = "volunteer_in_other_area"
    raise ValidationError({"id_number": ValidationError(message, code=code)})


@transaction.atomic
def volunteer_save(*, actor, volunteer: Volunteer) -> Volunteer:
    """Creates or updates a volunteer within the actor's reach; one record per ID number."""
    _assert_stored_in_scope(volunteer, actor=actor, area_field="area", field="area")
    area_assert_in_scope(volunteer.area if volunteer.area_id else None, actor=actor)
    volunteer_validate(volunteer)
    volunteer_assert_new_person(volunteer, actor=actor)
    if volunteer.pk is not None:
        # The balance belongs to the ledger: a form or serializer never writes it.
        volunteer.points_balance = Volunteer.objects.values_list("points_balance", flat=True).get(
            pk=volunteer.pk
        )
    volunteer.save()
    return volunteer


@transaction.atomic
def volunteer_transfer(*, actor, volunteer: Volunteer, area: AdminArea) -> Volunteer:
    """Moves a volunteer the actor reaches to another community (possibly outside the reach)."""
    _assert_stored_in_scope(volunteer, actor=actor, area_field="area", field="area")
    _assert_community(area)
    volunteer.area = area
    volunteer.save(update_fields=["area", "updated_at"])
    return volunteer


@transaction.atomic
def volunteer_delete(*, actor, volunteer: Volunteer) -> None:
    """Deletes a volunteer without service records, points or proofs (those are history)."""
    _assert_stored_in_scope(volunteer, actor=actor, area_field="area", field="area")
    volunteer.delete()


# --- teams and service points --------------------------------------------------------------------


def _station_name(station) -> str:
    return station.name or station.signboard_name


def _assert_linked_in_scope(obj, *, actor, area_field: str, field: str) -> None:
    """A linked record (station, organisation, worker) must lie in the actor's reach."""
    if obj is not None:
        _assert_stored_in_scope(obj, actor=actor, area_field=area_field, field=field)


def community_validate(obj: Team | ServicePoint) -> None:
    """Teams and service points belong to a community (社区/村)."""
    obj.full_clean()
    _assert_community(obj.area if obj.area_id else None)


@transaction.atomic
def team_save(*, actor, team: Team) -> Team:
    """Creates or updates a volunteer team of a community the actor reaches."""
    _assert_stored_in_scope(team, actor=actor, area_field="area", field="area")
    area_assert_in_scope(team.area if team.area_id else None, actor=actor)
    sponsor_org = team.sponsor_org if team.sponsor_org_id else None
    sponsor_station = team.sponsor_station if team.sponsor_station_id else None
    _assert_linked_in_scope(sponsor_org, actor=actor, area_field="community", field="sponsor_org")
    _assert_linked_in_scope(
        sponsor_station, actor=actor, area_field="area", field="sponsor_station"
    )
    if sponsor_station is not None:
        team.sponsor_kind = SponsorKind.STATION
        team.sponsor_name = _station_name(sponsor_station)
    elif sponsor_org is not None:
        team.sponsor_kind = SponsorKind.SOCIAL_ORGANISATION
        team.sponsor_name = sponsor_org.name
    team.full_clean()
    _assert_community(team.area)
    if team.leader_id is not None:
        _assert_volunteer_in_scope(team.leader, actor=actor, field="leader")
    team.save()
    if team.leader_id is not None:
        TeamMembership.objects.get_or_create(
            team=team, volunteer=team.leader, defaults={"joined_on": timezone.localdate()}
        )
    return team


@transaction.atomic
def team_delete(*, actor, team: Team) -> None:
    _assert_stored_in_scope(team, actor=actor, area_field="area", field="area")
    team.delete()


@transaction.atomic
def team_member_add(
    *, actor, team: Team, volunteer: Volunteer, joined_on: datetime.date | None = None
) -> TeamMembership:
    """Adds a volunteer the actor reaches to a team the actor reaches."""
    _assert_stored_in_scope(team, actor=actor, area_field="area", field="team")
    _assert_volunteer_in_scope(volunteer, actor=actor)
    membership = TeamMembership(
        team=team, volunteer=volunteer, joined_on=joined_on or timezone.localdate()
    )
    membership.full_clean()
    membership.save()
    return membership


@transaction.atomic
def team_membership_change(*, actor, membership: TeamMembership) -> TeamMembership:
    """Changes a stored membership (its volunteer or date); both must lie in the actor's reach.

    The leader's membership keeps its volunteer, as removing the leader is refused.
    """
    stored = (
        scope_to_actor(TeamMembership.objects.all(), actor=actor, area_field="team__area")
        .select_related("team")
        .filter(pk=membership.pk)
        .first()
    )
    if stored is None or stored.team_id != membership.team_id:
        raise _not_found("team")
    _assert_volunteer_in_scope(
        membership.volunteer if membership.volunteer_id else None, actor=actor
    )
    if (
        stored.volunteer_id != membership.volunteer_id
        and stored.team.leader_id == stored.volunteer_id
    ):
        raise ValidationError(
            {"volunteer": _("Name another leader before removing this volunteer.")}
        )
    membership.full_clean()
    membership.save()
    return membership


@transaction.atomic
def team_member_remove(*, actor, team: Team, volunteer: Volunteer) -> None:
    """Removes a volunteer from a team; the team's leader stays until another is named."""
    _assert_stored_in_scope(team, actor=actor, area_field="area", field="team")
    if team.leader_id == volunteer.pk:
        raise ValidationError(
            {"volunteer": _("Name another leader before removing this volunteer.")}
        )
    deleted, _detail = TeamMembership.objects.filter(team=team, volunteer=volunteer).delete()
    if not deleted:
        raise _not_found("volunteer", _("This volunteer is not a member of the team."))


@transaction.atomic
def service_point_save(*, actor, point: ServicePoint) -> ServicePoint:
    """Creates or updates a volunteer service point of a community the actor reaches."""
    _assert_stored_in_scope(point, actor=actor, area_field="area", field="area")
    area_assert_in_scope(point.area if point.area_id else None, actor=actor)
    point.full_clean()
    _assert_community(point.area)
    point.save()
    return point


@transaction.atomic
def service_point_delete(*, actor, point: ServicePoint) -> None:
    _assert_stored_in_scope(point, actor=actor, area_field="area", field="area")
    point.delete()


# --- activities ----------------------------------------------------------------------------------


def activity_validate(activity: Activity) -> None:
    """The organiser of the chosen kind is named (its name copied), and the place is low enough."""
    kind = activity.organiser_kind
    team = activity.organiser_team if activity.organiser_team_id else None
    station = activity.organiser_station if activity.organiser_station_id else None
    org = activity.organiser_org if activity.organiser_org_id else None
    if kind == OrganiserKind.TEAM:
        if team is None:
            raise ValidationError({"organiser_team": _("Name the organising team.")})
        activity.organiser_name = team.name
    elif kind == OrganiserKind.STATION:
        if station is None:
            raise ValidationError({"organiser_station": _("Name the organising station.")})
        activity.organiser_name = _station_name(station)
    elif org is not None:
        activity.organiser_name = org.name
    elif not (activity.organiser_name or "").strip():
        raise ValidationError({"organiser_name": _("Name the organiser.")})
    # Only the link of the chosen kind stays.
    if kind != OrganiserKind.TEAM:
        activity.organiser_team = None
    if kind != OrganiserKind.STATION:
        activity.organiser_station = None
    if kind != OrganiserKind.ORGANISATION:
        activity.organiser_org = None
    activity.full_clean()
    if activity.area.level < Level.TOWNSHIP:
        raise ValidationError({"area": _("Choose a community or a township.")})


@transaction.atomic
def activity_save(*, actor, activity: Activity) -> Activity:
    """Creates or updates an activity in a community (or township) the actor reaches.

    The organiser is a team, a station or a community organisation; its name is copied onto the
    activity, as proofs print it. Every linked record must lie in the actor's reach.
    """
    _assert_stored_in_scope(activity, actor=actor, area_field="area", field="area")
    area_assert_in_scope(activity.area if activity.area_id else None, actor=actor)
    team = activity.organiser_team if activity.organiser_team_id else None
    station = activity.organiser_station if activity.organiser_station_id else None
    org = activity.organiser_org if activity.organiser_org_id else None
    worker = activity.social_worker if activity.social_worker_id else None
    _assert_linked_in_scope(team, actor=actor, area_field="area", field="organiser_team")
    _assert_linked_in_scope(station, actor=actor, area_field="area", field="organiser_station")
    _assert_linked_in_scope(org, actor=actor, area_field="community", field="organiser_org")
    _assert_linked_in_scope(worker, actor=actor, area_field="area", field="social_worker")
    activity_validate(activity)
    activity.save()
    # The records' copies follow a moved or rescheduled activity (one UPDATE; none when unchanged).
    ServiceRecord.objects.filter(activity=activity).exclude(
        area_id=activity.area_id, activity_starts_at=activity.starts_at
    ).update(area_id=activity.area_id, activity_starts_at=activity.starts_at)
    return activity


@transaction.atomic
def activity_delete(*, actor, activity: Activity) -> None:
    """Deletes an activity without service records."""
    _assert_stored_in_scope(activity, actor=actor, area_field="area", field="area")
    activity.delete()


# --- service records -----------------------------------------------------------------------------


def _locked_record(record: ServiceRecord, *, actor) -> ServiceRecord:
    _assert_stored_in_scope(record, actor=actor, area_field="area", field="record")
    return (
        ServiceRecord.objects.select_for_update()
        .select_related("activity__area", "area", "volunteer")
        .get(pk=record.pk)
    )


def _assert_recording_organisation(record: ServiceRecord, *, actor) -> None:
    """Whoever records service hours certifies them (the national rule): a record is verified by
    the account that recorded it, or by another account of the same office (the same area and,
    for a contractor's account, the same contractor), never by another organisation.

    A record with no recorder on file (recorded from the command line, or by an account since
    deleted) is verified by any account reaching it; the verifier is stored either way.
    """
    recorder = record.recorded_by
    verifier = _user(actor)
    if recorder is None or verifier is None or verifier.pk == recorder.pk:
        return
    if (
        verifier.admin_area_id == recorder.admin_area_id
        and verifier.contractor_id == recorder.contractor_id
        and verifier.is_superuser == recorder.is_superuser
    ):
        return
    raise ValidationError(
        {
            "record": ValidationError(
                _(
                    "Hours are certified by the organisation that recorded them: %(recorder)s "
                    "or another account of the same office verifies this record."
                )
                % {"recorder": recorder.get_username()},
                code="verified_by_another_organisation",
            )
        }
    )


def _correction(record: ServiceRecord, *, actor, kind: str, old_hours, reason: str) -> None:
    ServiceRecordCorrection.objects.create(
        record=record,
        kind=kind,
        old_hours=old_hours,
        new_hours=record.hours,
        reason=reason,
        changed_by=_user(actor),
    )


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the record changes.")})
    return reason[:500]


def record_copy_activity(record: ServiceRecord) -> None:
    """Copies the activity's community and start onto the record (kept for the list's indexes)."""
    record.area_id = record.activity.area_id
    record.activity_starts_at = record.activity.starts_at


@transaction.atomic
def record_create(*, actor, record: ServiceRecord, verify: bool = False) -> ServiceRecord:
    """Records a volunteer's hours at an activity; the recording user certifies them."""
    if record.pk is not None:
        raise ValidationError(_("Change recorded hours with a correction."), code="use_correction")
    activity = record.activity if record.activity_id else None
    area_assert_in_scope(activity.area if activity else None, actor=actor, field="activity")
    _assert_volunteer_in_scope(record.volunteer if record.volunteer_id else None, actor=actor)
    record.recorded_by = _user(actor)
    if activity is not None:
        record_copy_activity(record)
    record.is_verified = False
    record.verified_by = record.verified_at = None
    record.full_clean()
    if activity.starts_at > timezone.now():
        raise ValidationError({"activity": _("The activity has not taken place yet.")})
    record.save()
    if verify:
        record = record_verify(actor=actor, record=record, reason="")
    return record


@transaction.atomic
def record_verify(*, actor, record: ServiceRecord, reason: str = "") -> ServiceRecord:
    """Verifies a record: its hours start to count and earn points. Only the recording
    organisation verifies (`_assert_recording_organisation`); the verifier is stored."""
    record = _locked_record(record, actor=actor)
    if record.is_verified:
        raise ValidationError(_("The record is already verified."), code="already_verified")
    _assert_recording_organisation(record, actor=actor)
    record.is_verified = True
    record.verified_by = _user(actor)
    record.verified_at = timezone.now()
    record.save(update_fields=["is_verified", "verified_by", "verified_at"])
    _correction(
        record,
        actor=actor,
        kind=ServiceRecordCorrection.Kind.VERIFY,
        old_hours=record.hours,
        reason=reason or "",
    )
    _points_settle_record(
        record,
        actor=actor,
        reason=_("%(hours)s verified hours at %(activity)s")
        % {"hours": record.hours, "activity": record.activity.title},
    )
    return record


@transaction.atomic
def record_unverify(*, actor, record: ServiceRecord, reason: str) -> ServiceRecord:
    """Withdraws a verification: the hours stop counting and their points are reversed.

    Wrongly certified hours must stop counting even when their points are already spent, so the
    withdrawal is never refused for lack of points. The reversal takes what the balance holds
    (the balance never goes negative); the rest stays on the record as a shortfall: its ledger
    entries still sum above zero, the reversal entry names the points not recovered, and the
    volunteer's next earnings pay the shortfall back first (`_points_recover_shortfalls`).
    """
    reason = _reason(reason)
    record = _locked_record(record, actor=actor)
    if not record.is_verified:
        raise ValidationError(_("The record is not verified."), code="not_verified")
    record.is_verified = False
    record.verified_by = record.verified_at = None
    record.save(update_fields=["is_verified", "verified_by", "verified_at"])
    _correction(
        record,
        actor=actor,
        kind=ServiceRecordCorrection.Kind.UNVERIFY,
        old_hours=record.hours,
        reason=reason,
    )
    _points_settle_record(record, actor=actor, reason=reason, partial=True)
    return record


@transaction.atomic
def record_correct_hours(*, actor, record: ServiceRecord, hours, reason: str) -> ServiceRecord:
    """Corrects the hours of a record, keeping the old figure in a correction entry.

    A verified record's points follow by the difference only: an earning for more hours, a
    reversal for fewer. Refused, writing nothing, only when a decrease would overdraw the balance.
    """
    reason = _reason(reason)
    record = _locked_record(record, actor=actor)
    old_hours = record.hours
    record.hours = hours
    record.full_clean(exclude=["volunteer", "activity"])
    if record.hours == old_hours:
        raise ValidationError({"hours": _("The hours are unchanged.")})
    record.save(update_fields=["hours"])
    _correction(
        record,
        actor=actor,
        kind=ServiceRecordCorrection.Kind.HOURS,
        old_hours=old_hours,
        reason=reason,
    )
    if record.is_verified:
        _points_settle_record(
            record,
            actor=actor,
            reason=_("%(old)s → %(new)s hours at %(activity)s: %(reason)s")
            % {
                "old": old_hours,
                "new": record.hours,
                "activity": record.activity.title,
                "reason": reason,
            },
        )
    return record


@transaction.atomic
def record_delete(*, actor, record: ServiceRecord) -> None:
    """Deletes a record entered by mistake; a record that was ever verified is history and stays."""
    record = _locked_record(record, actor=actor)
    if record.is_verified or record.corrections.exists():
        raise ValidationError(
            _("This record has been verified before; withdraw the verification instead."),
            code="record_has_history",
        )
    record.delete()


# --- points --------------------------------------------------------------------------------------


def points_per_hour(area: AdminArea) -> Decimal:
    """The rate of the nearest area (itself or an ancestor) with a PointsRule; else the default.

    One query.
    """
    rules = dict(
        PointsRule.objects.filter(area__code__in=codes_in_path(area.path)).values_list(
            "area__code", "points_per_hour"
        )
    )
    for code in reversed(codes_in_path(area.path)):
        if code in rules:
            return rules[code]
    return Decimal(getattr(settings, "VOLUNTEER_POINTS_PER_HOUR", DEFAULT_POINTS_PER_HOUR))


def _append_entry(
    volunteer_id: int,
    *,
    actor,
    kind: str,
    amount: int,
    service_record: ServiceRecord | None = None,
    reason: str = "",
    reference: str = "",
) -> PointsEntry:
    """Appends one ledger line under a lock on the volunteer's balance; never below zero."""
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer_id)
    balance = volunteer.points_balance + amount
    if balance < 0:
        raise ValidationError(
            {
                "points": ValidationError(
                    _("Not enough points: the balance is %(balance)d, %(points)d are needed."),
                    code="insufficient_points",
                    params={"balance": volunteer.points_balance, "points": -amount},
                )
            }
        )
    volunteer.points_balance = balance
    volunteer.save(update_fields=["points_balance"])
    entry = PointsEntry(
        volunteer=volunteer,
        kind=kind,
        amount=amount,
        balance_after=balance,
        service_record=service_record,
        reason=reason[:200],
        reference=reference[:100],
        created_by=_user(actor),
    )
    entry.full_clean()
    entry.save()
    return entry


def _points_owed(record: ServiceRecord) -> int:
    """What a record should have earned: its hours at the area's rate if verified, else 0."""
    if not record.is_verified:
        return 0
    rate = points_per_hour(record.activity.area)
    return int((record.hours * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _points_net(record: ServiceRecord) -> int:
    return record.points_entries.aggregate(net=Sum("amount"))["net"] or 0


def _points_settle_record(
    record: ServiceRecord, *, actor, reason: str, partial: bool = False
) -> PointsEntry | None:
    """Books the difference between what a record owes and what its entries sum to (one entry).

    A reversal that would overdraw is refused, unless `partial`: then it reverses what the
    balance holds and the rest stays as the record's shortfall.
    """
    difference = _points_owed(record) - _points_net(record)
    if difference > 0:
        entry = _append_entry(
            record.volunteer_id,
            actor=actor,
            kind=PointsEntry.Kind.EARN,
            amount=difference,
            service_record=record,
            reason=reason,
        )
        _points_recover_shortfalls(record.volunteer_id, actor=actor)
        return entry
    if difference == 0:
        return None
    amount = -difference
    if partial:
        balance = Volunteer.objects.select_for_update().get(pk=record.volunteer_id).points_balance
        if balance < amount:
            reason = _(
                "%(reason)s (%(missing)d points not reversed: the balance was %(balance)d; "
                "they are taken from the next points earned)"
            ) % {"reason": reason, "missing": amount - balance, "balance": balance}
            amount = balance
        if amount == 0:
            return None
    return _append_entry(
        record.volunteer_id,
        actor=actor,
        kind=PointsEntry.Kind.REVERSE,
        amount=-amount,
        service_record=record,
        reason=reason,
    )


def _points_recover_shortfalls(volunteer_id: int, *, actor) -> None:
    """Reverses, from the balance, what un-verified records of the volunteer still hold.

    Runs after every earning; usually one query finding nothing.
    """
    shortfalls = (
        ServiceRecord.objects.filter(volunteer_id=volunteer_id, is_verified=False)
        .annotate(net=Sum("points_entries__amount"))
        .filter(net__gt=0)
        .order_by("pk")
    )
    for record in shortfalls:
        balance = Volunteer.objects.select_for_update().get(pk=volunteer_id).points_balance
        amount = min(record.net, balance)
        if amount <= 0:
            return
        _append_entry(
            volunteer_id,
            actor=actor,
            kind=PointsEntry.Kind.REVERSE,
            amount=-amount,
            service_record=record,
            reason=_("Points of a withdrawn verification recovered"),
        )


@transaction.atomic
def points_spend(*, actor, volunteer: Volunteer, points: int, reason: str, reference: str = ""):
    """Spends a volunteer's points (at a charity supermarket or on another reward).

    Refused, writing nothing, when the balance is too low. Called by `charity/` for supermarkets.
    """
    _assert_volunteer_in_scope(volunteer, actor=actor)
    if not isinstance(points, int) or isinstance(points, bool) or points <= 0:
        raise ValidationError({"points": _("Give a whole number of points above zero.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say what the points are spent on.")})
    return _append_entry(
        volunteer.pk,
        actor=actor,
        kind=PointsEntry.Kind.SPEND,
        amount=-points,
        reason=reason,
        reference=(reference or "").strip(),
    )


@transaction.atomic
def points_rule_save(*, actor, rule: PointsRule) -> PointsRule:
    _assert_stored_in_scope(rule, actor=actor, area_field="area", field="area")
    area_assert_in_scope(rule.area if rule.area_id else None, actor=actor)
    rule.full_clean()
    rule.save()
    return rule


@transaction.atomic
def points_rule_delete(*, actor, rule: PointsRule) -> None:
    _assert_stored_in_scope(rule, actor=actor, area_field="area", field="area")
    rule.delete()


# --- proof of service ----------------------------------------------------------------------------


def new_serial() -> str:
    return "".join(secrets.choice(SERIAL_ALPHABET) for _i in range(SERIAL_LENGTH))


def proof_issuer(*, team=None, station=None, organisation=None) -> tuple[AdminArea, str, dict]:
    """The issuing organisation's area, printed name and the activity filter of what it ran.

    Exactly one of the three is given: proofs are issued by the organisation that recorded the
    hours (the team, station or community organisation that ran the activities).
    """
    given = [issuer for issuer in (team, station, organisation) if issuer is not None]
    if len(given) != 1:
        raise ValidationError(
            {
                "issuer": ValidationError(
                    _(
                        "Name the one organisation issuing the proof: the volunteer team, the "
                        "social-work station or the community organisation that ran the "
                        "activities."
                    ),
                    code="proof_issuer",
                )
            }
        )
    if team is not None:
        return team.area, team.name, {"activity__organiser_team": team}
    if station is not None:
        return station.area, _station_name(station), {"activity__organiser_station": station}
    return (
        organisation.community,
        organisation.name,
        {"activity__organiser_org": organisation},
    )


@transaction.atomic
def proof_issue(
    *,
    actor,
    volunteer: Volunteer,
    period_start: datetime.date,
    period_end: datetime.date,
    team: Team | None = None,
    station=None,
    organisation=None,
) -> IssuedProof:
    """Issues a proof of service over a period: the verified hours of the activities the issuer
    (a team, a station or a community organisation, in the actor's reach) ran.
    """
    # Imported here: the PDF module loads reportlab and the font only when a proof is issued.
    from volunteers.pdf import ProofLine, render_proof
    from volunteers.selectors import verified_records

    _assert_volunteer_in_scope(volunteer, actor=actor)
    if period_start is None or period_end is None or period_end < period_start:
        raise ValidationError({"period_end": _("The period ends before it starts.")})
    if period_end > timezone.localdate():
        raise ValidationError({"period_end": _("The date lies in the future.")})
    area, name, ran_by_issuer = proof_issuer(team=team, station=station, organisation=organisation)
    _assert_linked_in_scope(team, actor=actor, area_field="area", field="team")
    _assert_linked_in_scope(station, actor=actor, area_field="area", field="station")
    _assert_linked_in_scope(organisation, actor=actor, area_field="community", field="organisation")
    records = scope_to_actor(
        verified_records(volunteer=volunteer, start=period_start, end=period_end),
        actor=actor,
        area_field="area",
    ).filter(**ran_by_issuer)
    records = list(records.order_by("activity_starts_at", "pk"))
    if not records:
        raise ValidationError(
            _("No verified hours of this volunteer in the period at activities %(issuer)s ran.")
            % {"issuer": name},
            code="no_verified_hours",
        )
    total = sum((record.hours for record in records), Decimal(0))
    proof = IssuedProof(
        serial=new_serial(),
        volunteer=volunteer,
        period_start=period_start,
        period_end=period_end,
        total_hours=total,
        activity_count=len(records),
        issuer_name=name[:200],
        area=area,
        team=team,
        station=station,
        organisation=organisation,
        issued_by=_user(actor),
        issued_at=timezone.now(),
    )
    lines = [
        ProofLine(
            date=timezone.localtime(record.activity.starts_at).date(),
            title=record.activity.title,
            organiser=record.activity.organiser_name,
            hours=record.hours,
        )
        for record in records
    ]
    proof.pdf = render_proof(proof, lines)
    proof.content_hash = hashlib.sha256(proof.pdf).hexdigest()
    proof.full_clean(exclude=["pdf"])
    proof.save()
    return proof
