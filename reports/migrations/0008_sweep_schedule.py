from django.db import migrations

NAME = "compliance-runs-sweep"


def create_schedule(apps, schema_editor):
    interval_model = apps.get_model("django_celery_beat", "IntervalSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    # Every 10 minutes: a lost run is failed at most 10 minutes after COMPLIANCE_RUN_STALE_AFTER.
    every_ten_minutes, _created = interval_model.objects.get_or_create(every=10, period="minutes")
    task_model.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "reports.tasks.compliance_runs_sweep_task",
            "interval": every_ten_minutes,
            "enabled": True,
            "description": "Fail the compliance runs left queued or running by a lost worker.",
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0007_run_progress_at"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
