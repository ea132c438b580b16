from django.db import migrations

from stations.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_volunteer_records")]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
