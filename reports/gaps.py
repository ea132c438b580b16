"""The gap of a target in concrete terms: "3 more townships need an operating social-work station".

Every target with a minimum ("at least") that is not met gets a statement from its metric's
figures alone (numerator, denominator, threshold), so the dashboard, the API readers and the
printed report say the same. The per-community minimums also list the communities short of
organisations (reports.dashboard.gaps).
"""

from decimal import ROUND_CEILING, Decimal

from django.utils.translation import ngettext_lazy

from reports.metric_defs import metric_by_key
from reports.models import Target

# The statement of each metric's shortfall; %(count)s is how many more are needed.
GAP_TEXTS = {
    "population": ngettext_lazy(
        "%(count)s more resident is needed.", "%(count)s more residents are needed.", "count"
    ),
    "township_station_coverage": ngettext_lazy(
        "%(count)s more township needs an operating social-work station.",
        "%(count)s more townships need an operating social-work station.",
        "count",
    ),
    "community_social_work_coverage": ngettext_lazy(
        "%(count)s more community needs social-work service.",
        "%(count)s more communities need social-work service.",
        "count",
    ),
    "talent_total": ngettext_lazy(
        "%(count)s more social-work worker is needed.",
        "%(count)s more social-work workers are needed.",
        "count",
    ),
    "talent_per_mille": ngettext_lazy(
        "%(count)s more social-work worker is needed.",
        "%(count)s more social-work workers are needed.",
        "count",
    ),
    "certified_per_10k": ngettext_lazy(
        "%(count)s more certified social worker is needed.",
        "%(count)s more certified social workers are needed.",
        "count",
    ),
    "professional_staff_total": ngettext_lazy(
        "%(count)s more professional social worker is needed.",
        "%(count)s more professional social workers are needed.",
        "count",
    ),
    "social_work_qualified_share": ngettext_lazy(
        "%(count)s more worker needs a social-work qualification.",
        "%(count)s more workers need a social-work qualification.",
        "count",
    ),
    "urban_community_orgs_avg": ngettext_lazy(
        "%(count)s more organisation is needed in urban communities.",
        "%(count)s more organisations are needed in urban communities.",
        "count",
    ),
    "rural_community_orgs_avg": ngettext_lazy(
        "%(count)s more organisation is needed in rural communities.",
        "%(count)s more organisations are needed in rural communities.",
        "count",
    ),
    "urban_community_orgs_min": ngettext_lazy(
        "The emptiest urban community needs %(count)s more organisation.",
        "The emptiest urban community needs %(count)s more organisations.",
        "count",
    ),
    "rural_community_orgs_min": ngettext_lazy(
        "The emptiest rural community needs %(count)s more organisation.",
        "The emptiest rural community needs %(count)s more organisations.",
        "count",
    ),
    "monthly_report_timeliness": ngettext_lazy(
        "%(count)s more monthly briefing needed to be submitted on time.",
        "%(count)s more monthly briefings needed to be submitted on time.",
        "count",
    ),
    "brand_orgs": ngettext_lazy(
        "%(count)s more brand organisation is needed.",
        "%(count)s more brand organisations are needed.",
        "count",
    ),
    "brand_projects": ngettext_lazy(
        "%(count)s more brand project is needed.",
        "%(count)s more brand projects are needed.",
        "count",
    ),
    "station_staffing_share": ngettext_lazy(
        "%(count)s more township station needs to meet the staffing rule.",
        "%(count)s more township stations need to meet the staffing rule.",
        "count",
    ),
    "station_six_haves_share": ngettext_lazy(
        "%(count)s more township station needs to meet the six haves.",
        "%(count)s more township stations need to meet the six haves.",
        "count",
    ),
    "station_cases_supervision_share": ngettext_lazy(
        "%(count)s more township station needs enough cases and supervision hours.",
        "%(count)s more township stations need enough cases and supervision hours.",
        "count",
    ),
    "resident_hours_share": ngettext_lazy(
        "%(count)s more resident worker needs to serve the weekly hours in communities.",
        "%(count)s more resident workers need to serve the weekly hours in communities.",
        "count",
    ),
    "volunteer_point_coverage": ngettext_lazy(
        "%(count)s more community needs a volunteer service point.",
        "%(count)s more communities need a volunteer service point.",
        "count",
    ),
    "federation_coverage": ngettext_lazy(
        "%(count)s more township needs a federation of community organisations.",
        "%(count)s more townships need a federation of community organisations.",
        "count",
    ),
    "verified_volunteer_hours": ngettext_lazy(
        "%(count)s more verified volunteer hour is needed.",
        "%(count)s more verified volunteer hours are needed.",
        "count",
    ),
    "charity_linked_yuan": ngettext_lazy(
        "%(count)s more yuan of charity resources needs to be linked.",
        "%(count)s more yuan of charity resources need to be linked.",
        "count",
    ),
}


def shortfall(item: dict) -> int | None:
    """How many more units the numerator needs to reach an unmet minimum, or None.

    "sum" and "min": threshold − value; "ratio": the numerator that the threshold asks of the
    denominator (rounded up: a township is whole), less the numerator. At least 1 when unmet.
    """
    metric = metric_by_key().get(item["key"])
    if (
        metric is None
        or item["met"] is not False
        or item["comparison"] != Target.Comparison.AT_LEAST
        or item["threshold"] is None
        or item["numerator"] is None
    ):
        return None
    threshold = Decimal(str(item["threshold"]))
    numerator = Decimal(str(item["numerator"]))
    if metric.combine == "ratio":
        if not item["denominator"]:
            return None
        needed = threshold * Decimal(str(item["denominator"])) / metric.scale
    else:
        needed = threshold
    missing = (needed - numerator).to_integral_value(rounding=ROUND_CEILING)
    return max(int(missing), 1)


def gap_statement(item: dict) -> str | None:
    """The gap of one target item of a report (see reports.selectors), None when there is none."""
    count = shortfall(item)
    if count is None or item["key"] not in GAP_TEXTS:
        return None
    return GAP_TEXTS[item["key"]] % {"count": count}


def gap_statements(report: dict) -> list[dict]:
    """{"item", "count", "text"} for every unmet minimum of the report's own area."""
    statements = []
    for item in report["targets"]:
        text = gap_statement(item)
        if text is not None:
            statements.append({"item": item, "count": shortfall(item), "text": text})
    return statements
