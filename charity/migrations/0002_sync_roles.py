from django.db import migrations

from stations.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [("charity", "0001_charity_ledger_and_lists")]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
