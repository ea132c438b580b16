from django.db import migrations

from stations.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [("stations", "0005_station_network")]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
