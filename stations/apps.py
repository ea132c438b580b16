from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from auditlog.apps import AuditlogConfig


def _sync_roles_after_migrate(sender, using, apps=global_apps, **kwargs) -> None:
    # Like Django's own permissions, the role groups are kept right after every migrate and
    # flush; a data migration alone would leave them stale when a later app adds models.
    from stations.roles import sync_roles

    sync_roles(apps, using=using)


class StationsConfig(AppConfig):
    default = True  # this module also holds AuditLogConfig
    name = "stations"
    verbose_name = _("Areas and stations")

    def ready(self) -> None:
        post_migrate.connect(
            _sync_roles_after_migrate, sender=self, dispatch_uid="stations.sync_roles"
        )


class AuditLogConfig(AuditlogConfig):
    """django-auditlog with its name in the project's catalogue (it ships no Chinese)."""

    verbose_name = _("Audit log")
