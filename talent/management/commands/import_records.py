"""`manage.py import_records KIND FILE [--as-user USERNAME]`: one command for every record import.

Other apps register their kinds by adding an entry to IMPORTERS below: the kind's name and the
dotted path of an import function with the signature

    importer(source, *, actor=None, name=None) -> result

that reads CSV or .xlsx through `stations.tabular.read_table`, raises `ImportRejected` (having
written nothing) for a bad file, and returns a result whose str() is a one-line summary (optional
attributes `rows` and `seconds` are reported as a speed). `actor` None means a superuser-equivalent
import of everything; `--as-user` applies that user's area scope instead.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import import_string

from stations.audit import import_record
from stations.tabular import ImportRejected

# kind -> dotted path of the import function. Apps add their own kinds here.
IMPORTERS: dict[str, str] = {
    "workers": "talent.imports.worker_import",
    "orgs": "orgs.imports.org_import",
    "volunteers": "volunteers.imports.volunteer_import",
    "service-records": "volunteers.imports.service_record_import",
    # Purchased services need --as-user: the services record who signed and changed what.
    "contractors": "projects.imports.contractor_import",
    "plans": "projects.imports.plan_import",
    "contracts": "projects.imports.contract_import",
}

# kind -> the model whose rows it imports, for the run's audit entry (stations.audit).
KIND_MODELS: dict[str, str] = {
    "workers": "talent.Worker",
    "orgs": "orgs.CommunityOrg",
    "volunteers": "volunteers.Volunteer",
    "service-records": "volunteers.ServiceRecord",
    "contractors": "projects.Contractor",
    "plans": "projects.AnnualPlan",
    "contracts": "projects.Contract",
}


class Command(BaseCommand):
    help = (
        "Import records from a CSV or .xlsx file. Kinds: "
        + ", ".join(sorted(IMPORTERS))
        + ". A bad file writes nothing and lists every problem by row."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(IMPORTERS))
        parser.add_argument("file")
        parser.add_argument(
            "--as-user",
            dest="username",
            help="Import with this user's scope (default: everything, like a superuser).",
        )

    def handle(self, *args, kind, file, username=None, **options):
        actor = None
        if username:
            try:
                actor = get_user_model().objects.select_related("admin_area").get(username=username)
            except get_user_model().DoesNotExist:
                raise CommandError(f"No user named {username}.") from None
        importer = import_string(IMPORTERS[kind])
        try:
            with transaction.atomic():
                result = importer(file, actor=actor)
                import_record(
                    actor=actor,
                    model=KIND_MODELS[kind],
                    name=file,
                    result=result,
                    channel="command",
                )
        except FileNotFoundError:
            raise CommandError(f"No such file: {file}") from None
        except ImportRejected as rejected:
            for line in rejected.messages():
                self.stderr.write(line)
            raise CommandError(
                f"{len(rejected.errors)} problem(s) found; nothing was imported."
            ) from None
        summary = str(result)
        rows, seconds = getattr(result, "rows", None), getattr(result, "seconds", None)
        if rows and seconds:
            summary += f" ({seconds:.1f} s, {rows / seconds:,.0f} rows/s)"
        self.stdout.write(self.style.SUCCESS(summary))
