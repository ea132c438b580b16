from django.db import migrations

from stations.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_targets_and_snapshots"),
        ("stations", "0004_sync_roles"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
