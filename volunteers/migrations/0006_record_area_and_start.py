"""Service records carry their activity's community and start (copies kept by the services), so the
record list is scoped and ordered on its own table."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_from_activities(apps, schema_editor):
    ServiceRecord = apps.get_model("volunteers", "ServiceRecord")
    Activity = apps.get_model("volunteers", "Activity")
    if schema_editor.connection.vendor == "postgresql":
        # One joined UPDATE (the national table: 21 million rows in minutes, not a subquery per row).
        schema_editor.execute(
            "UPDATE volunteers_servicerecord AS record"
            " SET area_id = activity.area_id, activity_starts_at = activity.starts_at"
            " FROM volunteers_activity AS activity WHERE activity.id = record.activity_id"
        )
        return
    activity = Activity.objects.filter(pk=OuterRef("activity_id"))
    ServiceRecord.objects.update(
        area_id=Subquery(activity.values("area_id")),
        activity_starts_at=Subquery(activity.values("starts_at")),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("stations", "0009_servicelogentry_version"),
        ("volunteers", "0005_proof_issuer_station_organisation"),
    ]

    operations = [
        migrations.AddField(
            model_name="servicerecord",
            name="area",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="stations.adminarea",
                verbose_name="community",
            ),
        ),
        migrations.AddField(
            model_name="servicerecord",
            name="activity_starts_at",
            field=models.DateTimeField(
                editable=False, null=True, verbose_name="activity starts at"
            ),
        ),
        migrations.RunPython(copy_from_activities, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="servicerecord",
            name="area",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="stations.adminarea",
                verbose_name="community",
            ),
        ),
        migrations.AlterField(
            model_name="servicerecord",
            name="activity_starts_at",
            field=models.DateTimeField(editable=False, verbose_name="activity starts at"),
        ),
        migrations.AlterModelOptions(
            name="servicerecord",
            options={
                "ordering": ["-activity_starts_at", "pk"],
                "verbose_name": "service record",
                "verbose_name_plural": "service records",
            },
        ),
        migrations.AddIndex(
            model_name="servicerecord",
            index=models.Index(
                fields=["-activity_starts_at", "id"], name="volunteers_record_recent"
            ),
        ),
        migrations.AddIndex(
            model_name="servicerecord",
            index=models.Index(
                fields=["area", "-activity_starts_at", "id"],
                name="volunteers_record_area_recent",
            ),
        ),
    ]
