from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Compliance reports")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from auditlog.models import LogEntry

        from reports.services import compliance_refresh_on_change

        # A receiver, against the no-signals rule: the audit log is the record of every change
        # with its area path, and a third-party model offers no other hook (see the receiver).
        post_save.connect(
            compliance_refresh_on_change, sender=LogEntry, dispatch_uid="compliance_refresh"
        )
