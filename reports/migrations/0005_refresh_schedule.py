from django.db import migrations


def create_schedule(apps, schema_editor):
    interval_model = apps.get_model("django_celery_beat", "IntervalSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    # Every minute: figures are fresh within a minute (plus the run) of any recorded change.
    every_minute, _created = interval_model.objects.get_or_create(every=1, period="minutes")
    task_model.objects.get_or_create(
        name="compliance-refresh-changed",
        defaults={
            "task": "reports.tasks.compliance_refresh_task",
            "interval": every_minute,
            "enabled": True,
            "description": "Recompute the areas whose records changed since their snapshot.",
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name="compliance-refresh-changed"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("reports", "0004_report_exports")]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
