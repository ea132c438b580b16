from django.db import migrations

from stations.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0003_contracts_reports_evaluations"),
        ("stations", "0004_sync_roles"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
