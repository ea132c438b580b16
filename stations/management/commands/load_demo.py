from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

# Each capability adds its demo step here, in dependency order.
DEMO_STEPS = [
    "stations.demo.load",
    "talent.demo.load",
    "stations.network_demo.load_network",
    "orgs.demo.load",
    "projects.demo.load",
    "volunteers.demo.load",
    "charity.demo.load",
]


class Command(BaseCommand):
    help = "Load the deterministic Ordos (鄂尔多斯) demo: areas, populations, accounts and records."

    def handle(self, *args, **options):
        from reports.services import compliance_refresh_deferred

        accounts = []
        # The figures are computed once, when everything is loaded (not after every record).
        with compliance_refresh_deferred():
            for step in DEMO_STEPS:
                result = import_string(step)(stdout=self.stdout)
                accounts.extend(result or [])
        self.stdout.write(self.style.SUCCESS("Demo loaded. Logins (username / password / role):"))
        for username, password, description in accounts:
            self.stdout.write(f"  {username:<22} {password:<18} {description}")
