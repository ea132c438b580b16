from django.db import migrations

from stations.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [("stations", "0003_user_personal_data_permission")]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
