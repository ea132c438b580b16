"""Writes to community social organisations, their support platforms and their activity.

Every service checks that the actor reaches the row's area, validates with `full_clean()` plus the
rules that follow relations, and only then saves.
"""

from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.models import (
    ActivityReport,
    BrandProject,
    CommunityOrg,
    Contest,
    ContestApplication,
    Evaluation,
    Federation,
    IncubationCentre,
    ObservationPoint,
    ServedGroup,
)
from stations.access import actor_root_path, area_assert_in_scope
from stations.models import AdminArea

Level = AdminArea.Level


def _merge(errors: dict[str, list], more: dict[str, list]) -> dict[str, list]:
    for field, messages in more.items():
        if field not in errors:
            errors[field] = list(messages)
    return errors


# The field a uniqueness error belongs to, by the constraint's violation_error_code: Django
# reports a conditional or several-field unique constraint as an error of the whole row.
CONSTRAINT_FIELDS = {
    "duplicate_name": "name",
    "duplicate_credit_code": "credit_code",
    "duplicate_year": "year",
    "duplicate_project": "project_name",
}


def _full_clean_errors(instance, **options) -> dict[str, list]:
    try:
        instance.full_clean(**options)
    except ValidationError as error:
        errors = error.update_error_dict({})
    else:
        return {}
    for problem in errors.pop(NON_FIELD_ERRORS, []):
        field = CONSTRAINT_FIELDS.get(getattr(problem, "code", None), NON_FIELD_ERRORS)
        errors.setdefault(field, []).append(problem)
    return errors


def _level_error(area: AdminArea, allowed: tuple[int, ...]) -> str | None:
    if area.level in allowed:
        return None
    return _("Choose a %(allowed)s, not a %(level)s.") % {
        "allowed": _(" or ").join(str(Level(level).label).lower() for level in allowed),
        "level": str(Level(area.level).label).lower(),
    }


def _assert_stored_in_scope(model, pk: int | None, area_path_field: str, *, actor) -> None:
    """Refuses an update to a row whose stored area the actor does not reach (404-like)."""
    if pk is None:
        return
    path = model.objects.filter(pk=pk).values_list(area_path_field, flat=True).first()
    root = actor_root_path(actor)
    if path is None or root is None or not path.startswith(root):
        raise ValidationError(_("No such record within your reach."), code="out_of_scope")


def _lock(model, pk: int) -> None:
    """Locks a row (SELECT … FOR UPDATE) until the transaction ends; a no-op on SQLite."""
    list(model.objects.select_for_update().filter(pk=pk).values_list("pk", flat=True))


def _yuan(amount) -> str:
    """An amount as messages show it, whatever the database returned: "60000.00"."""
    return f"{Decimal(amount):.2f}"


def _today():
    return timezone.localdate()


# Organisations ---------------------------------------------------------------------------------


def org_relation_errors(org: CommunityOrg) -> dict[str, list[str]]:
    """The rules of an organisation that follow its relations; empty when it complies.

    Cost: none when the community (with its path and parent), filing body, federation and
    incubator are already loaded on `org`, as the import does; else one query per relation.
    """
    errors: dict[str, list[str]] = {}
    today = _today()
    if org.founded_on and org.founded_on > today:
        errors["founded_on"] = [_("The founding date is in the future.")]
    if org.registered_on and org.registered_on > today:
        errors["registered_on"] = [_("The registration date is in the future.")]
    if org.filed_on and org.filed_on > today:
        errors["filed_on"] = [_("The filing date is in the future.")]
    if org.brand_year is not None:
        if org.brand_year > today.year:
            errors["brand_year"] = [_("The brand year is in the future.")]
        elif org.founded_on and org.brand_year < org.founded_on.year:
            errors["brand_year"] = [_("The brand year is before the organisation was founded.")]
    if org.community_id is None:
        return errors
    community = org.community
    problem = _level_error(community, (Level.COMMUNITY,))
    if problem:
        errors["community"] = [problem]
        return errors
    if org.filing_body_id is not None and org.filing_body.code not in (
        community.code,
        community.parent_id,
    ):
        errors["filing_body"] = [
            _(
                "The filing body must be the organisation's community (%(community)s) "
                "or its township."
            )
            % {"community": community.name}
        ]
    township_pk = community.parent.pk if community.parent_id else None
    if org.federation_id is not None and org.federation.township_id != township_pk:
        errors["federation"] = [_("The federation must be the one of the organisation's township.")]
    if org.incubator_id is not None and not community.path.startswith(org.incubator.area.path):
        errors["incubator"] = [
            _("The incubation centre must be in the organisation's county or township.")
        ]
    return errors


def org_validate(org: CommunityOrg) -> None:
    """Field validation, the standing rules (CommunityOrg.clean) and the relation rules."""
    errors = _full_clean_errors(org)
    _merge(errors, org_relation_errors(org))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def org_save(
    *, actor, org: CommunityOrg, served_groups: list[ServedGroup] | None = None
) -> CommunityOrg:
    """Creates or updates an organisation in a community the actor reaches.

    `served_groups` None leaves the groups as they are.
    """
    area_assert_in_scope(
        org.community if org.community_id else None, actor=actor, field="community"
    )
    _assert_stored_in_scope(CommunityOrg, org.pk, "community__path", actor=actor)
    org_validate(org)
    org.save()
    if served_groups is not None:
        org.served_groups.set(served_groups)
    return org


@transaction.atomic
def org_delete(*, actor, org: CommunityOrg) -> None:
    """Deletes an organisation with no projects, applications, reports or evaluations."""
    area_assert_in_scope(org.community, actor=actor, field="community")
    org.delete()


# Support platforms -----------------------------------------------------------------------------


def _raise(errors: dict[str, list]) -> None:
    if errors:
        raise ValidationError(errors)


def incubator_validate(incubator: IncubationCentre) -> None:
    """Field validation; the centre belongs to a county or a township."""
    errors = _full_clean_errors(incubator)
    if incubator.area_id is not None:
        problem = _level_error(incubator.area, (Level.COUNTY, Level.TOWNSHIP))
        _merge(errors, {"area": [problem]} if problem else {})
    _raise(errors)


@transaction.atomic
def incubator_save(*, actor, incubator: IncubationCentre) -> IncubationCentre:
    """Creates or updates an incubation centre of a county or township."""
    area_assert_in_scope(incubator.area if incubator.area_id else None, actor=actor)
    _assert_stored_in_scope(IncubationCentre, incubator.pk, "area__path", actor=actor)
    incubator_validate(incubator)
    incubator.save()
    return incubator


@transaction.atomic
def incubator_delete(*, actor, incubator: IncubationCentre) -> None:
    area_assert_in_scope(incubator.area, actor=actor)
    incubator.delete()


def federation_validate(federation: Federation) -> None:
    """Field validation; a township (one federation each) that keeps its members."""
    errors = _full_clean_errors(federation)
    if federation.township_id is not None:
        problem = _level_error(federation.township, (Level.TOWNSHIP,))
        _merge(errors, {"township": [problem]} if problem else {})
    if not errors and federation.pk is not None:
        moved = (
            Federation.objects.filter(pk=federation.pk)
            .exclude(township_id=federation.township_id)
            .exists()
        )
        if moved and federation.members.exists():
            errors["township"] = [
                _("The federation has members; it cannot move to another township.")
            ]
    _raise(errors)


@transaction.atomic
def federation_save(*, actor, federation: Federation) -> Federation:
    """Creates or updates the federation of a township (at most one per township)."""
    township = federation.township if federation.township_id else None
    area_assert_in_scope(township, actor=actor, field="township")
    _assert_stored_in_scope(Federation, federation.pk, "township__path", actor=actor)
    federation_validate(federation)
    federation.save()
    return federation


@transaction.atomic
def federation_delete(*, actor, federation: Federation) -> None:
    area_assert_in_scope(federation.township, actor=actor, field="township")
    federation.delete()


def observation_point_validate(point: ObservationPoint) -> None:
    """Field validation; a township or community, designated in a past or the current year."""
    errors = _full_clean_errors(point)
    if point.area_id is not None:
        problem = _level_error(point.area, (Level.TOWNSHIP, Level.COMMUNITY))
        _merge(errors, {"area": [problem]} if problem else {})
    if point.designated_year and point.designated_year > _today().year:
        _merge(errors, {"designated_year": [_("The year is in the future.")]})
    _raise(errors)


@transaction.atomic
def observation_point_save(*, actor, point: ObservationPoint) -> ObservationPoint:
    """Designates a township or community as a cultivation observation point."""
    area_assert_in_scope(point.area if point.area_id else None, actor=actor)
    _assert_stored_in_scope(ObservationPoint, point.pk, "area__path", actor=actor)
    observation_point_validate(point)
    point.save()
    return point


@transaction.atomic
def observation_point_delete(*, actor, point: ObservationPoint) -> None:
    area_assert_in_scope(point.area, actor=actor)
    point.delete()


# Brand projects and evaluations ----------------------------------------------------------------


def _organisation_in_scope(instance, *, actor) -> None:
    organisation = instance.organisation if instance.organisation_id else None
    area_assert_in_scope(
        organisation.community if organisation else None, actor=actor, field="organisation"
    )


def brand_project_validate(project: BrandProject) -> None:
    """Field validation; the year it was named is not in the future."""
    errors = _full_clean_errors(project)
    if project.year and project.year > _today().year:
        _merge(errors, {"year": [_("The year is in the future.")]})
    _raise(errors)


@transaction.atomic
def brand_project_save(*, actor, project: BrandProject) -> BrandProject:
    """Creates or updates a brand project of an organisation the actor reaches."""
    _organisation_in_scope(project, actor=actor)
    _assert_stored_in_scope(BrandProject, project.pk, "organisation__community__path", actor=actor)
    brand_project_validate(project)
    project.save()
    return project


@transaction.atomic
def brand_project_delete(*, actor, project: BrandProject) -> None:
    _organisation_in_scope(project, actor=actor)
    project.delete()


def evaluation_validate(evaluation: Evaluation) -> None:
    """Field validation (score 0–100, one per organisation and year); the year is not ahead."""
    errors = _full_clean_errors(evaluation, exclude=["evaluated_by"])
    if evaluation.year and evaluation.year > _today().year:
        _merge(errors, {"year": [_("The year is in the future.")]})
    _raise(errors)


def evaluation_assert_evaluator(evaluation: Evaluation, *, actor) -> None:
    """Refuses an evaluation by anyone but the organisation's community or its township.

    The policy gives the yearly evaluation (评估评议) to the community, as the review of
    activity reports; a county or city administrator reaches the organisation but does not
    evaluate it. Checking the new organisation suffices: an actor of a community or township
    reaches only rows it may evaluate, so the stored one was already checked by the scope.
    """
    if actor is None or actor.is_superuser or evaluation.organisation_id is None:
        return
    community = evaluation.organisation.community
    own = actor.admin_area if actor.admin_area_id else None
    if own is None or own.code not in (community.code, community.parent_id):
        raise ValidationError(
            {
                "organisation": ValidationError(
                    _(
                        "Only the organisation's community (%(community)s) or its township "
                        "evaluates it."
                    )
                    % {"community": community.name},
                    code="not_evaluator",
                )
            }
        )


@transaction.atomic
def evaluation_save(*, actor, evaluation: Evaluation) -> Evaluation:
    """Records the yearly evaluation of an organisation by its community or township."""
    _organisation_in_scope(evaluation, actor=actor)
    _assert_stored_in_scope(Evaluation, evaluation.pk, "organisation__community__path", actor=actor)
    evaluation_assert_evaluator(evaluation, actor=actor)
    evaluation_validate(evaluation)
    evaluation.evaluated_by = actor if actor and actor.is_authenticated else None
    evaluation.save()
    return evaluation


@transaction.atomic
def evaluation_delete(*, actor, evaluation: Evaluation) -> None:
    _organisation_in_scope(evaluation, actor=actor)
    evaluation.delete()


# Venture-philanthropy contests -----------------------------------------------------------------


def contest_funded_total(contest: Contest) -> Decimal:
    """The sum granted so far in a contest (one aggregate query)."""
    return contest.applications.filter(status=ContestApplication.Status.FUNDED).aggregate(
        total=Sum("funded_amount")
    )["total"] or Decimal("0")


def contest_validate(contest: Contest) -> None:
    """Field validation; held by a city, county or township; budget not below the funded sum."""
    errors = _full_clean_errors(contest)
    if contest.area_id is not None and contest.area.level == Level.COMMUNITY:
        _merge(
            errors,
            {"area": [_("A contest is held by a township or a higher level, not by a community.")]},
        )
    if not errors and contest.pk is not None:
        stored_area = Contest.objects.filter(pk=contest.pk).values_list("area_id", flat=True).get()
        if stored_area != contest.area_id and contest.applications.exists():
            errors["area"] = [_("The contest has applications; it cannot move to another area.")]
        funded = contest_funded_total(contest)
        if contest.budget < funded:
            errors["budget"] = [
                _("%(funded)s yuan is already funded; the budget cannot be lower.")
                % {"funded": _yuan(funded)}
            ]
    _raise(errors)


@transaction.atomic
def contest_save(*, actor, contest: Contest) -> Contest:
    """Creates or updates a contest.

    The contest row is locked before the budget is compared with the funded sum, as approvals
    lock it too: a budget cut and an approval cannot pass each other.
    """
    area_assert_in_scope(contest.area if contest.area_id else None, actor=actor)
    _assert_stored_in_scope(Contest, contest.pk, "area__path", actor=actor)
    if contest.pk is not None:
        _lock(Contest, contest.pk)
    contest_validate(contest)
    contest.save()
    return contest


@transaction.atomic
def contest_delete(*, actor, contest: Contest) -> None:
    area_assert_in_scope(contest.area, actor=actor)
    contest.delete()


def application_validate(application: ContestApplication) -> None:
    """Field validation; undecided; an active organisation inside the contest's area."""
    if application.pk is not None:
        stored = (
            ContestApplication.objects.filter(pk=application.pk)
            .values_list("status", "funded_amount")
            .get()
        )
        if stored[0] != ContestApplication.Status.SUBMITTED:
            raise ValidationError(
                {"status": _("This application is already decided; it cannot be changed.")}
            )
        # Decisions are made by application_fund/application_reject only.
        application.status, application.funded_amount = stored
    errors = _full_clean_errors(application, exclude=["decided_by"])
    if application.contest_id is not None and application.organisation_id is not None:
        organisation = application.organisation
        if not organisation.community.path.startswith(application.contest.area.path):
            _merge(
                errors,
                {"organisation": [_("The organisation is not in the area holding the contest.")]},
            )
        elif organisation.status != CommunityOrg.Status.ACTIVE:
            _merge(errors, {"organisation": [_("Only an active organisation can apply.")]})
    _raise(errors)


@transaction.atomic
def application_save(*, actor, application: ContestApplication) -> ContestApplication:
    """Enters, or edits while undecided, an organisation's project in a contest."""
    contest = application.contest if application.contest_id else None
    area_assert_in_scope(contest.area if contest else None, actor=actor, field="contest")
    _assert_stored_in_scope(ContestApplication, application.pk, "contest__area__path", actor=actor)
    if application.pk is not None:
        _lock(ContestApplication, application.pk)
    application_validate(application)
    application.save()
    return application


def _locked_undecided(
    application: ContestApplication, *, actor
) -> tuple[Contest, ContestApplication]:
    # Contest first, then the application: every approval takes the locks in the same order.
    contest = (
        Contest.objects.select_for_update().select_related("area").get(pk=application.contest_id)
    )
    area_assert_in_scope(contest.area, actor=actor, field="contest")
    locked = ContestApplication.objects.select_for_update().get(pk=application.pk)
    if locked.status != ContestApplication.Status.SUBMITTED:
        raise ValidationError(
            {"status": _("This application is already decided.")}, code="already_decided"
        )
    return contest, locked


@transaction.atomic
def application_fund(
    *, actor, application: ContestApplication, amount: Decimal
) -> ContestApplication:
    """Funds an application; the contest's funded total may not exceed its budget.

    The contest row is locked (SELECT … FOR UPDATE) before the total is summed, so that two
    approvals at the same moment are counted one after the other and cannot both fit.
    """
    contest, locked = _locked_undecided(application, actor=actor)
    amount = Decimal(amount)
    if amount <= 0:
        raise ValidationError({"funded_amount": _("The amount must be more than zero.")})
    if amount > locked.requested_amount:
        raise ValidationError(
            {
                "funded_amount": _("The amount is more than the %(requested)s yuan requested.")
                % {"requested": _yuan(locked.requested_amount)}
            }
        )
    funded = contest_funded_total(contest)
    if funded + amount > contest.budget:
        raise ValidationError(
            {
                "funded_amount": _(
                    "Funding %(amount)s yuan would exceed the contest budget of %(budget)s yuan: "
                    "%(funded)s yuan is already funded, %(left)s yuan is left."
                )
                % {
                    "amount": _yuan(amount),
                    "budget": _yuan(contest.budget),
                    "funded": _yuan(funded),
                    "left": _yuan(contest.budget - funded),
                }
            },
            code="over_budget",
        )
    locked.status = ContestApplication.Status.FUNDED
    locked.funded_amount = amount
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.full_clean()
    locked.save()
    return locked


@transaction.atomic
def application_reject(*, actor, application: ContestApplication) -> ContestApplication:
    """Turns an application down."""
    _contest, locked = _locked_undecided(application, actor=actor)
    locked.status = ContestApplication.Status.REJECTED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.full_clean()
    locked.save()
    return locked


@transaction.atomic
def application_delete(*, actor, application: ContestApplication) -> None:
    """Withdraws an undecided application."""
    _contest, locked = _locked_undecided(application, actor=actor)
    locked.delete()


# Major-activity reports ------------------------------------------------------------------------


def activity_report_validate(report: ActivityReport) -> None:
    """Field validation; not yet reviewed; the date ahead; the organisation not deregistered."""
    if report.pk is not None:
        stored = ActivityReport.objects.filter(pk=report.pk).values_list("status", flat=True).get()
        if stored != ActivityReport.Status.FILED:
            raise ValidationError(
                {"status": _("This report is already reviewed; it cannot be changed.")}
            )
    report.status = ActivityReport.Status.FILED
    errors = _full_clean_errors(report, exclude=["reviewed_by"])
    if report.held_on and report.held_on <= _today():
        _merge(
            errors,
            {"held_on": [_("An activity is reported in advance: the date must be after today.")]},
        )
    if (
        report.organisation_id is not None
        and report.organisation.status == CommunityOrg.Status.DEREGISTERED
    ):
        _merge(errors, {"organisation": [_("The organisation is deregistered.")]})
    _raise(errors)


@transaction.atomic
def activity_report_file(*, actor, report: ActivityReport) -> ActivityReport:
    """Files (or, while not yet reviewed, corrects) a major-activity report."""
    _organisation_in_scope(report, actor=actor)
    _assert_stored_in_scope(ActivityReport, report.pk, "organisation__community__path", actor=actor)
    if report.pk is not None:
        _lock(ActivityReport, report.pk)
    activity_report_validate(report)
    report.save()
    return report


def _locked_for_review(report: ActivityReport, *, actor) -> ActivityReport:
    locked = (
        ActivityReport.objects.select_for_update()
        .select_related("organisation__community")
        .get(pk=report.pk)
    )
    community = locked.organisation.community
    area_assert_in_scope(community, actor=actor, field="organisation")
    # The policy gives the review to the community and its township, not to higher levels.
    if not actor.is_superuser and actor.admin_area.code not in (
        community.code,
        community.parent_id,
    ):
        raise PermissionDenied(
            _("Only the organisation's community or township reviews its activity reports.")
        )
    if locked.status != ActivityReport.Status.FILED:
        raise ValidationError(
            {"status": _("This report is already reviewed.")}, code="already_reviewed"
        )
    return locked


@transaction.atomic
def activity_report_acknowledge(*, actor, report: ActivityReport) -> ActivityReport:
    """The community or township takes note of the activity."""
    locked = _locked_for_review(report, actor=actor)
    locked.status = ActivityReport.Status.ACKNOWLEDGED
    locked.reviewed_by = actor
    locked.reviewed_at = timezone.now()
    locked.full_clean()
    locked.save()
    return locked


@transaction.atomic
def activity_report_object(*, actor, report: ActivityReport, reason: str) -> ActivityReport:
    """The community or township objects to the activity, giving its reason."""
    locked = _locked_for_review(report, actor=actor)
    if not (reason or "").strip():
        raise ValidationError({"objection_reason": _("Give the reason for objecting.")})
    locked.status = ActivityReport.Status.OBJECTED
    locked.objection_reason = reason.strip()
    locked.reviewed_by = actor
    locked.reviewed_at = timezone.now()
    locked.full_clean()
    locked.save()
    return locked


@transaction.atomic
def activity_report_delete(*, actor, report: ActivityReport) -> None:
    _organisation_in_scope(report, actor=actor)
    report.delete()
