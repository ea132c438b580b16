"""The Ordos demo of organisations: deterministic, idempotent and shaped for the targets."""

from decimal import Decimal

from django.apps import apps
from django.db.models import Count, Sum

import pytest

from orgs import demo
from orgs.models import (
    ActivityReport,
    BrandProject,
    CommunityOrg,
    Contest,
    Federation,
    IncubationCentre,
)
from orgs.selectors import community_org_counts, summarise_org_counts
from stations import demo as stations_demo
from stations.validators import validate_credit_code

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, list]:
    return {
        model.__name__: list(model.objects.order_by("pk").values_list())
        for model in apps.get_app_config("orgs").get_models()
    } | {
        "served": list(
            CommunityOrg.served_groups.through.objects.order_by("pk").values_list(
                "communityorg_id", "servedgroup_id"
            )
        )
    }


def test_the_demo_is_idempotent_and_shaped_for_the_targets():
    # One test: loading the Ordos areas and the demo takes seconds.
    stations_demo.load()
    demo.load()
    first = snapshot()

    demo.load()

    assert snapshot() == first
    assert len(first["CommunityOrg"]) == 6117
    summary = summarise_org_counts(community_org_counts(root_path="/150600000000/"))
    urban, rural = summary["urban"], summary["rural"]
    # Every community has an active organisation; some meet the Ordos targets, some do not.
    assert (urban.communities, urban.meeting_target, urban.minimum) == (386, 131, 2)
    assert (rural.communities, rural.meeting_target, rural.minimum) == (584, 244, 1)
    assert IncubationCentre.objects.count() == 2
    assert Federation.objects.count() == 38
    brand_orgs = CommunityOrg.objects.filter(brand_year__isnull=False).count()
    assert (brand_orgs, BrandProject.objects.count()) == (12, 13)
    contest = Contest.objects.annotate(
        funded=Sum("applications__funded_amount"), entries=Count("applications")
    ).get()
    assert contest.entries == 16
    assert contest.funded <= contest.budget == Decimal("300000.00")
    codes = list(CommunityOrg.objects.exclude(credit_code="").values_list("credit_code", flat=True))
    for code in codes:
        validate_credit_code(code)
    assert ({code[0] for code in codes}, {code[1] for code in codes}) == ({"5"}, {"1", "2", "3"})
    assert len(codes) == len(set(codes))
    # Reports are reviewed only by the organisation's community or its township.
    reviewed = list(
        ActivityReport.objects.exclude(status=ActivityReport.Status.FILED).values_list(
            "status",
            "organisation__community__path",
            "organisation__community__code",
            "organisation__community__parent_id",
            "reviewed_by__admin_area__path",
            "reviewed_by__admin_area__code",
        )
    )
    statuses = sorted(status for status, *_rest in reviewed)
    assert statuses == ["acknowledged"] * 8 + ["objected"] * 2
    assert ActivityReport.objects.filter(status=ActivityReport.Status.FILED).count() == 26
    for _status, community_path, community, township, reviewer_path, reviewer in reviewed:
        assert community_path.startswith(reviewer_path)
        assert reviewer in (community, township)
