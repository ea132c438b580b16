from django.db import migrations

from stations.roles import sync_roles


class Migration(migrations.Migration):
    """The roles' permissions on the new link model (existing workers need no data change: each
    stays one person in their own area, with no further area linked)."""

    dependencies = [
        ("talent", "0003_worker_area_links"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
