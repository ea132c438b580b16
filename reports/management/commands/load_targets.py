from django.core.management.base import BaseCommand, CommandError

from reports.presets import PRESETS, PresetAreaMissing, load_preset


class Command(BaseCommand):
    help = "Load the targets of a policy preset: " + ", ".join(PRESETS)

    def add_arguments(self, parser):
        parser.add_argument("preset", choices=sorted(PRESETS))
        parser.add_argument("--area", help="apply to this area code instead of the preset's own")

    def handle(self, *args, preset, area=None, **options):
        try:
            targets = load_preset(preset, area_code=area)
        except PresetAreaMissing as missing:
            raise CommandError(
                f"Area {missing} is not in the platform; import its divisions first."
            ) from None
        self.stdout.write(f"{preset}: {len(targets)} targets loaded.")
