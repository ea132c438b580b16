from django.db import migrations

# The special groups of the Huangshan plan (黄山市培育发展社区社会组织专项行动计划), in its order.
SERVED_GROUPS = [
    ("elderly", "老年人"),
    ("women", "妇女"),
    ("children", "儿童"),
    ("disabled", "残疾人"),
    ("unemployed", "失业人员"),
    ("migrant_workers", "农民工"),
    ("children_of_detained", "服刑人员等限制自由人员的未成年子女"),
    ("poor_families", "困难家庭"),
    ("severe_mental_disorder", "严重精神障碍患者"),
    ("at_risk_youth", "有不良行为青少年"),
    ("community_corrections", "社区矫正人员"),
]


def add_served_groups(apps, schema_editor):
    served_group = apps.get_model("orgs", "ServedGroup")
    for position, (code, name) in enumerate(SERVED_GROUPS, start=1):
        served_group.objects.update_or_create(
            code=code, defaults={"name": name, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("orgs", "0001_initial")]

    operations = [migrations.RunPython(add_served_groups, migrations.RunPython.noop)]
