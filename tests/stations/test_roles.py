"""Roles come from data migrations and match the rules in stations.roles exactly."""

from django.apps import apps
from django.contrib.auth.models import Group

import pytest

from stations.roles import Role, role_permissions

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", Role.values)
def test_each_role_group_holds_exactly_its_rule_permissions(role):
    models_by_app = {
        config.label: [model._meta.model_name for model in config.get_models()]
        for config in apps.get_app_configs()
    }
    expected = role_permissions(role, models_by_app)

    held = set(
        Group.objects.get(name=role).permissions.values_list("content_type__app_label", "codename")
    )

    assert held == expected


def test_only_administrators_see_personal_data_and_manage_users():
    holders = {
        group.name
        for group in Group.objects.filter(
            permissions__codename__in=["view_personal_data", "change_user"]
        )
    }
    assert holders == {Role.ADMINISTRATOR}
