from django.db import migrations

from stations.roles import sync_roles


class Migration(migrations.Migration):
    """Gives the role groups their permissions on the organisation models."""

    dependencies = [("orgs", "0002_served_groups")]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
