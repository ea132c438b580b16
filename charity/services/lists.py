"""Writes to the three lists: needs (需求清单), resources (资源清单) and linkage projects (项目清单)."""

import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from charity.models import (
    CharitySource,
    HelpKind,
    LinkageProject,
    LinkageProjectStatusChange,
    Need,
    Resource,
    VulnerableGroup,
)
from stations.access import area_assert_in_scope, area_in_scope
from stations.models import AdminArea

TAG_RE = re.compile(r"^[a-z0-9_]{1,40}$")
# Matching compares a resource's tags with a need's codes, so a tag is one of those codes.
KNOWN_TAGS = frozenset(HelpKind.values) | frozenset(VulnerableGroup.values)

# The one link each kind of resource names (the in-kind and "other" offers name their source).
RESOURCE_LINKS: dict[str, str] = {
    Resource.Kind.VOLUNTEER_TEAM: "team",
    Resource.Kind.ORGANISATION: "organisation",
    Resource.Kind.FUND: "fund",
    Resource.Kind.IN_KIND: "source",
    Resource.Kind.OTHER: "source",
}
LINK_FIELDS = ["team", "organisation", "fund", "source"]
# "Companies' in-kind offers": goods come from a company or an organisation with a credit code,
# not from an individual or a money fund.
IN_KIND_SOURCE_KINDS = CharitySource.CODE_REQUIRED

NEED_TRANSITIONS: dict[str, set[str]] = {
    Need.Status.OPEN: {Need.Status.MATCHED, Need.Status.CLOSED},
    Need.Status.MATCHED: {Need.Status.OPEN, Need.Status.IN_SERVICE, Need.Status.CLOSED},
    Need.Status.IN_SERVICE: {Need.Status.CLOSED},
    Need.Status.CLOSED: set(),
}
PROJECT_TRANSITIONS: dict[str, set[str]] = {
    LinkageProject.Status.OPEN: {LinkageProject.Status.MATCHED},
    LinkageProject.Status.MATCHED: {LinkageProject.Status.OPEN, LinkageProject.Status.IN_SERVICE},
    LinkageProject.Status.IN_SERVICE: {LinkageProject.Status.DONE},
    LinkageProject.Status.DONE: set(),
}
# What a project's move does to the needs it links that are still behind it.
NEEDS_FOLLOW_PROJECT: dict[str, tuple[str, list[str]]] = {
    LinkageProject.Status.MATCHED: (Need.Status.MATCHED, [Need.Status.OPEN]),
    LinkageProject.Status.IN_SERVICE: (
        Need.Status.IN_SERVICE,
        [Need.Status.OPEN, Need.Status.MATCHED],
    ),
}


def tags_to_field(tags: Iterable[str]) -> str:
    """["care", "elderly"] -> "|care|elderly|" (sorted, no repeats); refuses malformed tags."""
    cleaned = sorted({str(tag).strip().lower() for tag in tags if str(tag).strip()})
    bad = [tag for tag in cleaned if not TAG_RE.match(tag)]
    if bad:
        raise ValidationError(
            {
                "tags": [
                    _("Tags are lower-case letters, digits and underscores: %(tags)s")
                    % {"tags": ", ".join(bad)}
                ]
            }
        )
    unknown = [tag for tag in cleaned if tag not in KNOWN_TAGS]
    if unknown:
        raise ValidationError(
            {
                "tags": [
                    _(
                        "Unknown tags: %(tags)s. Tags are the codes of the kinds of help given "
                        "and of the groups served."
                    )
                    % {"tags": ", ".join(unknown)}
                ]
            }
        )
    return f"|{'|'.join(cleaned)}|" if cleaned else ""


def _stored_area(model, pk: int | None) -> AdminArea | None:
    if pk is None:
        return None
    return model.objects.select_related("area").get(pk=pk).area


@transaction.atomic
def need_save(*, actor, need: Need) -> Need:
    """Creates or updates a need of a community; its status moves only by `need_transition`."""
    area_assert_in_scope(need.area if need.area_id else None, actor=actor)
    stored_area = _stored_area(Need, need.pk)
    if stored_area is not None:
        area_assert_in_scope(stored_area, actor=actor)
    if need.area.level != AdminArea.Level.COMMUNITY:
        raise ValidationError({"area": [_("A need is surveyed in a community or village.")]})
    if need.pk is None:
        need.status = Need.Status.OPEN
    else:
        need.status = Need.objects.values_list("status", flat=True).get(pk=need.pk)
    need.full_clean()
    need.save()
    return need


@transaction.atomic
def need_transition(*, actor, need: Need, status: str) -> Need:
    """Moves a need along open → matched → in service → closed (or back from matched to open)."""
    area_assert_in_scope(need.area, actor=actor)
    need = Need.objects.select_for_update().get(pk=need.pk)
    if status not in NEED_TRANSITIONS.get(need.status, set()):
        raise ValidationError(
            {
                "status": [
                    _("A need cannot go from “%(old)s” to “%(new)s”.")
                    % {"old": need.get_status_display(), "new": status}
                ]
            },
            code="bad_transition",
        )
    need.status = status
    need.save(update_fields=["status", "updated_at"])
    return need


@transaction.atomic
def need_delete(*, actor, need: Need) -> None:
    area_assert_in_scope(need.area, actor=actor)
    need.delete()


@transaction.atomic
def resource_save(*, actor, resource: Resource, tags: Iterable[str] | None = None) -> Resource:
    """Creates or updates a resource covering an area; `tags` (a list) replaces its tags."""
    area_assert_in_scope(resource.area if resource.area_id else None, actor=actor)
    stored_area = _stored_area(Resource, resource.pk)
    if stored_area is not None:
        area_assert_in_scope(stored_area, actor=actor)
    if tags is not None:
        resource.tags = tags_to_field(tags)
    errors: dict[str, list] = {}
    if resource.fund_id is not None and not area_in_scope(resource.fund.area, actor=actor):
        errors["fund"] = [_("No such fund within your reach.")]
    if resource.source_id is not None and not area_in_scope(resource.source.area, actor=actor):
        errors["source"] = [_("No such source within your reach.")]
    organisation = resource.organisation
    if organisation is not None and not area_in_scope(organisation.community, actor=actor):
        errors["organisation"] = [_("No such organisation within your reach.")]
    team = resource.team
    if team is not None and not area_in_scope(team.area, actor=actor):
        errors["team"] = [_("No such team within your reach.")]
    if resource.kind == Resource.Kind.VOLUNTEER_TEAM and team is None:
        errors["team"] = [_("A volunteer-team resource names its team.")]
    if resource.kind == Resource.Kind.ORGANISATION and organisation is None:
        errors["organisation"] = [_("An organisation resource names its organisation.")]
    if resource.kind == Resource.Kind.FUND and resource.fund_id is None:
        errors["fund"] = [_("A fund resource names its fund.")]
    if resource.kind == Resource.Kind.IN_KIND and resource.source_id is None:
        errors["source"] = [_("An in-kind offer names the source that offers it.")]
    elif (
        resource.kind == Resource.Kind.IN_KIND
        and "source" not in errors
        and resource.source.kind not in IN_KIND_SOURCE_KINDS
    ):
        errors["source"] = [
            _("An in-kind offer comes from a company or an organisation, not from “%(kind)s”.")
            % {"kind": resource.source.get_kind_display()}
        ]
    if resource.kind in RESOURCE_LINKS:
        for field in LINK_FIELDS:
            if field != RESOURCE_LINKS[resource.kind] and getattr(resource, f"{field}_id"):
                errors.setdefault(field, []).append(
                    _("A resource of the kind “%(kind)s” does not name a %(link)s.")
                    % {
                        "kind": resource.get_kind_display(),
                        "link": Resource._meta.get_field(field).verbose_name,
                    }
                )
    if errors:
        raise ValidationError(errors)
    resource.full_clean()
    resource.save()
    return resource


@transaction.atomic
def resource_delete(*, actor, resource: Resource) -> None:
    area_assert_in_scope(resource.area, actor=actor)
    resource.delete()


# owner kind -> (the owner's field on the project, the path from the owner to its area)
OWNER_FIELDS: dict[str, tuple[str, str]] = {
    LinkageProject.OwnerKind.STATION: ("owner_station", "area"),
    LinkageProject.OwnerKind.ORGANISATION: ("owner_organisation", "community"),
    LinkageProject.OwnerKind.VOLUNTEER_TEAM: ("owner_team", "area"),
}


def _check_owner(*, actor, project: LinkageProject) -> None:
    """Exactly the owner the kind names is set, within reach; its name is copied for lists."""
    errors: dict[str, list] = {}
    for kind, (field, area_attr) in OWNER_FIELDS.items():
        owner = getattr(project, field)
        if kind != project.owner_kind:
            if owner is not None:
                errors[field] = [_("Only the owner of the chosen kind is named.")]
            continue
        if owner is None:
            errors[field] = [_("Name the owner.")]
        elif not area_in_scope(getattr(owner, area_attr), actor=actor):
            errors[field] = [_("No such owner within your reach.")]
        else:
            project.owner_name = str(owner)[:200]
    if errors:
        raise ValidationError(errors)


def _check_project_links(
    *, actor, project: LinkageProject, needs: list[Need], resources: list[Resource]
) -> None:
    outside = [need for need in needs if not need.area.path.startswith(project.area.path)]
    if any(not area_in_scope(need.area, actor=actor) for need in needs):
        raise ValidationError({"needs": [_("No such need within your reach.")]})
    if outside:
        raise ValidationError(
            {
                "needs": [
                    _("A project links needs of its own area only: %(needs)s")
                    % {"needs": ", ".join(need.title for need in outside)}
                ]
            }
        )
    if any(not area_in_scope(resource.area, actor=actor) for resource in resources):
        raise ValidationError({"resources": [_("No such resource within your reach.")]})


@transaction.atomic
def project_save(
    *,
    actor,
    project: LinkageProject,
    needs: Iterable[Need] | None = None,
    resources: Iterable[Resource] | None = None,
) -> LinkageProject:
    """Creates or updates a linkage project and, when given, the needs and resources it links."""
    area_assert_in_scope(project.area if project.area_id else None, actor=actor)
    stored_area = _stored_area(LinkageProject, project.pk)
    if stored_area is not None:
        area_assert_in_scope(stored_area, actor=actor)
    creating = project.pk is None
    needs = list(needs) if needs is not None else (None if creating else list(project.needs.all()))
    resources = (
        list(resources)
        if resources is not None
        else (None if creating else list(project.resources.all()))
    )
    _check_owner(actor=actor, project=project)
    _check_project_links(actor=actor, project=project, needs=needs or [], resources=resources or [])
    if creating:
        project.status = LinkageProject.Status.OPEN
    else:
        project.status = LinkageProject.objects.values_list("status", flat=True).get(pk=project.pk)
    project.full_clean()
    project.save()
    if needs is not None:
        project.needs.set(needs)
    if resources is not None:
        project.resources.set(resources)
    if creating:
        LinkageProjectStatusChange.objects.create(
            project=project,
            from_status="",
            to_status=project.status,
            changed_by=actor if getattr(actor, "pk", None) else None,
        )
    return project


@transaction.atomic
def project_transition(
    *, actor, project: LinkageProject, status: str, note: str = ""
) -> LinkageProject:
    """Moves a project along open → matched → in service → done, records the change, and brings
    the needs it links along (a need still open becomes matched, and so on)."""
    area_assert_in_scope(project.area, actor=actor)
    project = LinkageProject.objects.select_for_update().get(pk=project.pk)
    old = project.status
    if status not in PROJECT_TRANSITIONS.get(old, set()):
        raise ValidationError(
            {
                "status": [
                    _("A project cannot go from “%(old)s” to “%(new)s”.")
                    % {"old": project.get_status_display(), "new": status}
                ]
            },
            code="bad_transition",
        )
    if status == LinkageProject.Status.MATCHED and not (
        project.needs.exists() and project.resources.exists()
    ):
        raise ValidationError(
            {"status": [_("A project is matched once it links at least one need and resource.")]},
            code="nothing_matched",
        )
    project.status = status
    project.save(update_fields=["status", "updated_at"])
    LinkageProjectStatusChange.objects.create(
        project=project,
        from_status=old,
        to_status=status,
        note=note,
        changed_by=actor if getattr(actor, "pk", None) else None,
    )
    if status in NEEDS_FOLLOW_PROJECT:
        new_need_status, behind = NEEDS_FOLLOW_PROJECT[status]
        Need.objects.filter(linkage_projects=project, status__in=behind).update(
            status=new_need_status, updated_at=timezone.now()
        )
    return project


@transaction.atomic
def project_delete(*, actor, project: LinkageProject) -> None:
    """Deletes a project that is still open and was never paid."""
    area_assert_in_scope(project.area, actor=actor)
    if project.status != LinkageProject.Status.OPEN or project.ledger_entries.exists():
        raise ValidationError(
            _("Only an open project that was never paid can be deleted."),
            code="project_in_use",
        )
    project.delete()
