from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from stations.audit import import_record
from stations.imports import area_import
from stations.models import AdminArea
from stations.tabular import ImportRejected


class Command(BaseCommand):
    help = (
        "Import a division file (CSV, CSV.gz or .xlsx with the columns code, parent, name, level, "
        "ur_code, virtual, dummy, longitude, latitude). A bad file writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            with transaction.atomic():
                result = area_import(file)
                import_record(
                    actor=None, model=AdminArea, name=file, result=result, channel="command"
                )
        except FileNotFoundError:
            raise CommandError(f"No such file: {file}") from None
        except ImportRejected as rejected:
            for line in rejected.messages():
                self.stderr.write(line)
            raise CommandError(
                f"{len(rejected.errors)} problem(s) found; nothing was imported."
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.rows} rows in {result.seconds:.1f} s ({result.rows_per_second:,.0f} rows/s): "
                f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged, "
                f"{result.skipped} skipped, {result.moved_descendants} descendants moved."
            )
        )
