from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils.translation import gettext as _

from stations.scale.generator import SCALES, RegistryPresent, generate


class Command(BaseCommand):
    help = (
        "Write a registry of realistic size over a real division tree: Ordos (city), Jiangsu "
        "(province) or the whole country (nation), imported first when missing. The same seed "
        "writes the same rows. Refuses a database that already holds registry rows unless "
        "--replace, which first deletes every row of the generated tables. All-or-nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", required=True, choices=sorted(SCALES))
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--year", type=int, default=2025, help="The year of the ledgers.")
        parser.add_argument(
            "--volunteer-share",
            type=float,
            default=0.01,
            help="Volunteers as a share of the residents (default 0.01).",
        )
        parser.add_argument(
            "--townships",
            type=int,
            default=None,
            help="Only the first N townships (by code) of each county, for quick runs; the "
            "population shrinks in proportion.",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete the rows of every generated table first (no other data may point at them).",
        )

    def handle(self, *args, scale, seed, year, volunteer_share, townships, replace, **options):
        if not 0 <= volunteer_share <= 0.2:
            raise CommandError(_("--volunteer-share must be between 0 and 0.2."))
        if townships is not None and townships < 1:
            raise CommandError(_("--townships must be at least 1."))
        self.stdout.write(f"Generating {scale} scale data (seed {seed}, year {year})…")
        try:
            result = generate(
                scale_name=scale,
                seed=seed,
                year=year,
                volunteer_share=volunteer_share,
                townships=townships,
                replace=replace,
                log=self.stdout.write,
            )
        except RegistryPresent as present:
            raise CommandError(
                _(
                    "The database already holds registry rows (%(tables)s); nothing was written. "
                    "Use --replace to delete the generated tables first."
                )
                % {"tables": present}
            ) from None
        except DatabaseError as error:
            raise CommandError(_("Nothing was written: %(error)s") % {"error": error}) from None
        width = max(len(table) for table in result.rows)
        for table, rows in result.rows.items():
            seconds = result.seconds[table]
            self.stdout.write(f"  {table:<{width}} {rows:>12,} rows {seconds:8.1f} s")
        self.stdout.write(
            self.style.SUCCESS(
                f"{sum(result.rows.values()):,} rows in {result.total_seconds:.1f} s "
                f"(area import {result.import_seconds:.1f} s)."
            )
        )
