"""Schedules the daily report jobs in django-celery-beat (the settings' beat schedule is shared)."""

from django.db import migrations

TASKS = [
    # (name, task, hour): 01:00 generates due dates, 08:00 sends the due-soon reminders.
    ("projects: generate report due dates", "projects.tasks.report_schedule_all_task", "1"),
    ("projects: remind of reports due soon", "projects.tasks.report_due_soon_notify_task", "8"),
]


def forward(apps, schema_editor):
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, hour in TASKS:
        crontab, _created = crontab_model.objects.get_or_create(
            minute="0",
            hour=hour,
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone="Asia/Shanghai",
        )
        task_model.objects.update_or_create(
            name=name, defaults={"task": task, "crontab": crontab, "enabled": True}
        )


def backward(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name__in=[name for name, _task, _hour in TASKS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0004_sync_roles"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forward, backward)]
