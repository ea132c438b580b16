from django.db import migrations, models


class Migration(migrations.Migration):
    """Error codes that tell which field a uniqueness error belongs to; no database change."""

    dependencies = [("orgs", "0003_sync_roles")]

    operations = [
        migrations.AlterConstraint(
            model_name='brandproject',
            name='orgs_brandproject_unique_organisation_name',
            constraint=models.UniqueConstraint(fields=('organisation', 'name'), name='orgs_brandproject_unique_organisation_name', violation_error_code='duplicate_name', violation_error_message='This organisation already has a project with this name.'),
        ),
        migrations.AlterConstraint(
            model_name='communityorg',
            name='orgs_communityorg_unique_community_name',
            constraint=models.UniqueConstraint(fields=('community', 'name'), name='orgs_communityorg_unique_community_name', violation_error_code='duplicate_name', violation_error_message='This community already has an organisation with this name.'),
        ),
        migrations.AlterConstraint(
            model_name='communityorg',
            name='orgs_communityorg_unique_credit_code',
            constraint=models.UniqueConstraint(condition=models.Q(('credit_code', ''), _negated=True), fields=('credit_code',), name='orgs_communityorg_unique_credit_code', violation_error_code='duplicate_credit_code', violation_error_message='Another organisation has this credit code.'),
        ),
        migrations.AlterConstraint(
            model_name='contest',
            name='orgs_contest_unique_area_year',
            constraint=models.UniqueConstraint(fields=('area', 'year'), name='orgs_contest_unique_area_year', violation_error_code='duplicate_year', violation_error_message='This area already holds a contest in this year.'),
        ),
        migrations.AlterConstraint(
            model_name='contestapplication',
            name='orgs_contestapplication_unique_project',
            constraint=models.UniqueConstraint(fields=('contest', 'organisation', 'project_name'), name='orgs_contestapplication_unique_project', violation_error_code='duplicate_project', violation_error_message='This organisation already entered a project with this name.'),
        ),
        migrations.AlterConstraint(
            model_name='evaluation',
            name='orgs_evaluation_unique_organisation_year',
            constraint=models.UniqueConstraint(fields=('organisation', 'year'), name='orgs_evaluation_unique_organisation_year', violation_error_code='duplicate_year', violation_error_message='This organisation is already evaluated for this year.'),
        ),
        migrations.AlterConstraint(
            model_name='federation',
            name='orgs_federation_unique_credit_code',
            constraint=models.UniqueConstraint(condition=models.Q(('credit_code', ''), _negated=True), fields=('credit_code',), name='orgs_federation_unique_credit_code', violation_error_code='duplicate_credit_code', violation_error_message='Another federation has this credit code.'),
        ),
        migrations.AlterConstraint(
            model_name='incubationcentre',
            name='orgs_incubationcentre_unique_area_name',
            constraint=models.UniqueConstraint(fields=('area', 'name'), name='orgs_incubationcentre_unique_area_name', violation_error_code='duplicate_name', violation_error_message='This area already has a centre with this name.'),
        ),
    ]
