"""Demo: the Ordos 2025 targets and computed snapshots for 2024 and 2025 (for the trend)."""

from reports.models import ComplianceRun
from reports.presets import load_preset
from reports.services import compliance_run_execute
from stations.models import AdminArea

CITY_CODE = "150600000000"


def load(stdout=None) -> list:
    city = AdminArea.objects.get(code=CITY_CODE)
    load_preset("ordos-2025")
    for year in (2024, 2025):
        run = compliance_run_execute(run_id=ComplianceRun.objects.create(area=city, year=year).pk)
        if stdout is not None:
            stdout.write(f"Compliance {year}: {run.status} ({run.query_count} queries)")
    return []
