"""Writes to areas, populations and users. Each service checks scope and validates before saving."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Length, Substr
from django.utils.translation import gettext as _

from stations.access import actor_root_path, area_assert_in_scope
from stations.areas import code_errors, path_for
from stations.models import AdminArea, AreaPopulation, User
from stations.roles import Role
from stations.station_services import station_signboards_refresh


def area_validate(area: AdminArea) -> None:
    """Field validation plus the tree rules (code format, level under parent, code prefix)."""
    area.full_clean(exclude=["path"])
    parent = area.parent if area.parent_id else None
    errors = code_errors(
        code=area.code,
        level=area.level,
        parent_code=parent.code if parent else None,
        parent_level=parent.level if parent else None,
    )
    if errors:
        raise ValidationError({"code": errors})


@transaction.atomic
def area_save(*, actor, area: AdminArea) -> AdminArea:
    """Creates or updates an area; a changed parent moves the whole subtree with it.

    Cost: one UPDATE for the subtree's paths when the parent changes, whatever its size.
    """
    area_validate(area)
    parent = area.parent if area.parent_id else None
    if parent is not None:
        area_assert_in_scope(parent, actor=actor, field="parent")
    elif not (actor and actor.is_superuser):
        raise ValidationError({"parent": _("Only a superuser can create a top-level area.")})

    old_path = old_name = None
    old_urban_rural = ""
    if area.pk is not None:
        old_path, old_urban_rural, old_name = (
            AdminArea.objects.filter(pk=area.pk).values_list("path", "urban_rural", "name").get()
        )
        root = actor_root_path(actor)
        if root is None or not old_path.startswith(root):
            raise ValidationError({"code": _("No such area within your reach.")})
    if area.urban_rural != old_urban_rural or (area.urban_rural and not area.urban_rural_code):
        # A classification typed in by a person wins over the NBS code on later imports.
        area.urban_rural_source = AdminArea.ClassificationSource.MANUAL if area.urban_rural else ""
    area.path = path_for(parent_path=parent.path if parent else None, code=area.code)
    if old_path is not None and old_path != area.path:
        if area.path.startswith(old_path):
            raise ValidationError({"parent": _("An area cannot move under its own descendant.")})
        AdminArea.objects.filter(path__startswith=old_path).exclude(pk=area.pk).update(
            path=Concat(Value(area.path), Substr("path", Length(Value(old_path)) + 1))
        )
    area.save()
    if old_path is not None and (old_name != area.name or old_path != area.path):
        # Signboard names read the area's name and its parents': renamed or moved, they follow.
        station_signboards_refresh(area_codes=[area.code])
    return area


@transaction.atomic
def area_delete(*, actor, area: AdminArea) -> None:
    """Deletes an area that nothing depends on; otherwise says what still points at it."""
    area_assert_in_scope(area, actor=actor, field="code")
    if area.children.exists():
        raise ValidationError(
            _("%(name)s still has areas under it; move or delete them first.")
            % {"name": area.name},
            code="area_has_children",
        )
    if area.users.exists():
        raise ValidationError(
            _("%(name)s still has user accounts; move them to another area first.")
            % {"name": area.name},
            code="area_has_users",
        )
    area.delete()


@transaction.atomic
def population_save(*, actor, population: AreaPopulation) -> AreaPopulation:
    """Creates or updates the population figure of an area for a year."""
    area_assert_in_scope(population.area if population.area_id else None, actor=actor)
    if population.pk is not None:
        old_area = AdminArea.objects.get(populations__pk=population.pk)
        area_assert_in_scope(old_area, actor=actor)
    population.full_clean()
    population.save()
    return population


@transaction.atomic
def population_delete(*, actor, population: AreaPopulation) -> None:
    area_assert_in_scope(population.area, actor=actor)
    population.delete()


@transaction.atomic
def user_save(*, actor, user: User, roles: list[str] | None = None) -> User:
    """Creates or updates an account within the actor's subtree; only superusers make superusers.

    `roles` are the account's role names as they will be saved (None: the stored ones).
    """
    user_validate(actor=actor, user=user, roles=roles)
    user.full_clean(exclude=["password"])
    user.save()
    return user


def user_validate(*, actor, user: User, roles: list[str] | None = None) -> None:
    """The actor's rules for an account (the admin form shows them as field errors)."""
    _user_validate_scope(actor=actor, user=user)
    if roles is None:
        roles = list(user.groups.values_list("name", flat=True)) if user.pk else []
    user_contractor_validate(user=user, roles=roles)


def user_contractor_validate(*, user: User, roles: list[str]) -> None:
    """The contractor role and a contractor organisation go together, both ways.

    Why: the portal and the projects' access rules read the organisation of a contractor user;
    a role without one would reach nothing, an organisation without the role would be ignored.
    """
    has_contractor_role = Role.CONTRACTOR in roles
    if has_contractor_role and user.contractor_id is None:
        message = _("A user in the contractor role must be tied to a contractor organisation.")
        raise ValidationError({"contractor": ValidationError(message, code="contractor_missing")})
    if user.contractor_id is not None and not has_contractor_role:
        message = _("A user tied to a contractor organisation must have the contractor role.")
        raise ValidationError({"groups": ValidationError(message, code="contractor_role_missing")})


def _user_validate_scope(*, actor, user: User) -> None:
    if not actor.is_superuser:
        if user.is_superuser:
            raise ValidationError(
                {"is_superuser": _("Only a superuser can grant superuser status.")}
            )
        area_assert_in_scope(
            user.admin_area if user.admin_area_id else None, actor=actor, field="admin_area"
        )
        if user.contractor_id is not None:
            # A contractor of another subtree reads as unknown, like an area outside it.
            area_assert_in_scope(user.contractor.area, actor=actor, field="contractor")
