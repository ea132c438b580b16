from django.db import migrations

from stations.roles import sync_roles


class Migration(migrations.Migration):
    """Creates the role groups with their permissions (re-run by a later migration per new model)."""

    dependencies = [
        ("stations", "0001_initial"),
        ("projects", "0002_initial"),
        ("auditlog", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
