from django.core.management.base import BaseCommand, CommandError

from reports.models import ComplianceRun
from reports.services import compliance_run_execute
from stations.models import AdminArea


class Command(BaseCommand):
    help = "Compute every metric for an area's subtree (default: every top-level area) for a year."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--area", help="12-digit code of the subtree's root")

    def handle(self, *args, year, area=None, **options):
        if area:
            roots = list(AdminArea.objects.filter(code=area))
            if not roots:
                raise CommandError(f"No area with code {area}.")
        else:
            roots = list(AdminArea.objects.filter(parent__isnull=True))
        failed = 0
        for root in roots:
            run = compliance_run_execute(
                run_id=ComplianceRun.objects.create(area=root, year=year).pk
            )
            seconds = (run.finished_at - run.started_at).total_seconds()
            if run.status == ComplianceRun.Status.COMPLETE:
                self.stdout.write(
                    f"{root.code} {root.name} {year}: complete in {seconds:.1f} s, "
                    f"{run.query_count} queries"
                )
            else:
                failed += 1
                self.stderr.write(f"{root.code} {root.name} {year}: failed: {run.error}")
        if failed:
            raise CommandError(f"{failed} run(s) failed; the previous snapshots stay current.")
