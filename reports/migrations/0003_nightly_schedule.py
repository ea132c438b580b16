from django.db import migrations


def create_schedule(apps, schema_editor):
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    # 02:00 Beijing time, when the offices are closed; editable in the admin.
    crontab, _created = crontab_model.objects.get_or_create(
        minute="0",
        hour="2",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Asia/Shanghai",
    )
    task_model.objects.get_or_create(
        name="compliance-nightly",
        defaults={
            "task": "reports.tasks.compliance_nightly_task",
            "crontab": crontab,
            "enabled": True,
            "description": "Recompute every compliance snapshot for the current year.",
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name="compliance-nightly"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_sync_roles"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
