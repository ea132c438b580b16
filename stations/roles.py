"""The roles of the platform and the permissions each one holds.

Roles are Django groups named by `Role` values. They are written by data migrations through
`sync_roles`, never by hand; add a migration calling it whenever an app gains models.
Permissions say what a role may do; the user's area says where (stations.access).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

DOMAIN_APPS = ("stations", "projects", "talent", "orgs", "volunteers", "charity", "reports")
ALL_ACTIONS = ("add", "change", "delete", "view")


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Civil-affairs administrator")
    REVIEWER = "reviewer", _("Reviewer")
    VIEWER = "viewer", _("Read-only viewer")
    CONTRACTOR = "contractor", _("Contractor")


# (app label, model name or "*", actions). An action with "_" is a full custom codename
# (e.g. "view_personal_data"). Models not listed for a role give it nothing.
ROLE_RULES: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {
    Role.ADMINISTRATOR: [
        *[(app, "*", ALL_ACTIONS) for app in DOMAIN_APPS],
        ("auditlog", "logentry", ("view",)),
        ("stations", "user", ("view_personal_data",)),
        ("projects", "report", ("review_report",)),
    ],
    Role.REVIEWER: [
        *[(app, "*", ("view",)) for app in DOMAIN_APPS],
        ("projects", "report", ("review_report",)),
    ],
    Role.VIEWER: [
        *[(app, "*", ("view",)) for app in DOMAIN_APPS],
    ],
    Role.CONTRACTOR: [
        ("stations", "adminarea", ("view",)),
        ("projects", "contractor", ("view",)),
        # Contractors fill in their own reports (projects.access.scope_to_contractor).
        ("projects", "contract", ("view",)),
        ("projects", "report", ("view", "change")),
        ("projects", "reportattachment", ("view", "add", "delete")),
    ],
}
# Only administrators manage accounts, whatever the wildcard rules above say.
ADMINISTRATOR_ONLY = {("stations", "user")}


def role_permissions(role: str, models_by_app: dict[str, list[str]]) -> set[tuple[str, str]]:
    """(app label, codename) pairs that `role` holds, given the models each app has."""
    granted: set[tuple[str, str]] = set()
    for app_label, model_rule, actions in ROLE_RULES[role]:
        for model_name in models_by_app.get(app_label, []):
            if model_rule not in ("*", model_name):
                continue
            if role != Role.ADMINISTRATOR and (app_label, model_name) in ADMINISTRATOR_ONLY:
                continue
            granted.update(
                (app_label, action if "_" in action else f"{action}_{model_name}")
                for action in actions
            )
    return granted


def sync_roles(apps, schema_editor=None, *, using: str | None = None) -> None:
    """Creates the role groups and sets exactly their permissions.

    Runs from data migrations and after every `migrate` and `flush` (post_migrate, see
    stations.apps), so the groups also survive the flush between transactional tests.
    """
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes
    from django.db import DEFAULT_DB_ALIAS

    if using is None:
        using = schema_editor.connection.alias if schema_editor else DEFAULT_DB_ALIAS
    models_by_app: dict[str, list[str]] = {}
    for app_config in apps.get_app_configs():
        # Migration state apps have no models module; the two helpers skip such apps.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        try:
            create_contenttypes(app_config, verbosity=0, using=using, apps=apps)
            create_permissions(app_config, verbosity=0, using=using, apps=apps)
        finally:
            app_config.models_module = models_module
        models_by_app[app_config.label] = [m._meta.model_name for m in app_config.get_models()]

    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    by_key = {
        (app_label, codename): pk
        for pk, app_label, codename in permission_model.objects.using(using).values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    for role in Role:
        group, _created = group_model.objects.using(using).get_or_create(name=role.value)
        wanted = role_permissions(role.value, models_by_app)
        group.permissions.set([by_key[key] for key in sorted(wanted) if key in by_key])
