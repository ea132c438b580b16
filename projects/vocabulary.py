"""The service kinds and vulnerable groups a report counts by.

They follow the stations' service ledger (stations.models.ServiceLogEntry, VulnerableGroup), so
that a briefing prefilled from the ledger uses the same keys.
"""

from django.utils.translation import gettext_lazy as _

# The same keys as the ledger's, for a deployment (or a test database) without it.
DEFAULT_SERVICE_KINDS = [
    ("case", _("Individual case work")),
    ("group", _("Group work")),
    ("community", _("Community activity")),
    ("needs_survey", _("Needs survey")),
    ("supervision_given", _("Professional supervision given")),
    ("supervision_received", _("Professional supervision received")),
    ("training", _("Training")),
    ("other", _("Other")),
]
DEFAULT_VULNERABLE_GROUPS = [
    ("subsistence_allowance", _("Subsistence-allowance (dibao) households")),
    ("extreme_poverty", _("Extreme-poverty persons")),
    ("left_behind_elderly", _("Left-behind elderly")),
    ("left_behind_children", _("Left-behind children")),
    ("left_behind_women", _("Left-behind women")),
    ("veterans", _("Veterans")),
    ("lone_elderly", _("Elderly living alone")),
    ("disabled", _("Disabled people")),
    ("children_in_difficulty", _("Children in difficulty")),
    ("bereaved_single_child", _("Families who lost their only child")),
    ("community_corrections", _("Community-corrections persons")),
]


def service_kind_choices() -> list[tuple[str, str]]:
    try:
        from stations.models import ServiceLogEntry
    except ImportError:
        return DEFAULT_SERVICE_KINDS
    return list(ServiceLogEntry.Kind.choices)


def vulnerable_group_choices() -> list[tuple[str, str]]:
    try:
        from stations.models import VulnerableGroup
    except ImportError:
        return DEFAULT_VULNERABLE_GROUPS
    return list(VulnerableGroup.choices)


def service_kinds() -> set[str]:
    return {key for key, _label in service_kind_choices()}


def vulnerable_groups() -> set[str]:
    return {key for key, _label in vulnerable_group_choices()}
