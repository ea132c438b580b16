from django.db import migrations

from stations.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("talent", "0001_workforce_registry"),
        ("stations", "0004_sync_roles"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
