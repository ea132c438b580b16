"""Builders for organisation test data (written directly, like tests/factories.py does for areas)."""

import datetime
import itertools
from decimal import Decimal

from django.utils import timezone

from orgs.models import (
    ActivityReport,
    BrandProject,
    CommunityOrg,
    Contest,
    ContestApplication,
    Evaluation,
    Federation,
    IncubationCentre,
    ObservationPoint,
)
from stations.validators import credit_code_check_character

_serials = itertools.count(1)


def org_credit_code(serial: int, *, county: str = "150602", kind: str = "2") -> str:
    """5 (civil affairs), kind, county, MJ + 7 digits, check character."""
    first17 = f"5{kind}{county}MJ{serial:07d}"
    return first17 + credit_code_check_character(first17)


def make_org(community, name: str | None = None, *, registered: bool = False, **fields):
    serial = next(_serials)
    values = {
        "name": name or f"组织{serial}",
        "org_type": CommunityOrg.Type.VOLUNTEER,
        "community": community,
        "status": CommunityOrg.Status.ACTIVE,
    }
    if registered:
        values.update(
            standing=CommunityOrg.Standing.REGISTERED,
            credit_code=org_credit_code(serial),
            registration_authority="东胜区民政局",
            registered_on=datetime.date(2020, 5, 1),
        )
    else:
        values.update(standing=CommunityOrg.Standing.FILED, filing_body=community)
    values.update(fields)
    return CommunityOrg.objects.create(**values)


def make_orgs(community, count: int, **fields) -> list[CommunityOrg]:
    """`count` filed organisations in one query."""
    status = fields.pop("status", CommunityOrg.Status.ACTIVE)
    return CommunityOrg.objects.bulk_create(
        CommunityOrg(
            name=f"批量组织{next(_serials)}",
            org_type=CommunityOrg.Type.LIFE_SERVICE,
            community=community,
            standing=CommunityOrg.Standing.FILED,
            filing_body=community,
            status=status,
            **fields,
        )
        for _number in range(count)
    )


def make_federation(township, **fields) -> Federation:
    return Federation.objects.create(
        township=township, name=fields.pop("name", f"{township.name}联合会"), **fields
    )


def make_incubator(area, **fields) -> IncubationCentre:
    return IncubationCentre.objects.create(
        area=area, name=fields.pop("name", f"{area.name}培育中心{next(_serials)}"), **fields
    )


def make_observation_point(area, **fields) -> ObservationPoint:
    return ObservationPoint.objects.create(area=area, designated_year=2022, **fields)


def make_contest(area, *, budget: str = "100000", year: int = 2025, **fields) -> Contest:
    return Contest.objects.create(
        area=area,
        year=year,
        budget=Decimal(budget),
        name=fields.pop("name", f"{area.name}{year}公益创投"),
        **fields,
    )


def make_application(contest, organisation, *, requested: str = "10000", **fields):
    return ContestApplication.objects.create(
        contest=contest,
        organisation=organisation,
        project_name=fields.pop("project_name", f"项目{next(_serials)}"),
        requested_amount=Decimal(requested),
        **fields,
    )


def make_brand_project(organisation, **fields) -> BrandProject:
    return BrandProject.objects.create(
        organisation=organisation,
        name=fields.pop("name", f"品牌项目{next(_serials)}"),
        year=fields.pop("year", 2024),
        **fields,
    )


def make_report(organisation, *, days_ahead: int = 10, **fields) -> ActivityReport:
    return ActivityReport.objects.create(
        organisation=organisation,
        kind=fields.pop("kind", ActivityReport.Kind.FESTIVAL),
        title=fields.pop("title", f"活动{next(_serials)}"),
        held_on=timezone.localdate() + datetime.timedelta(days=days_ahead),
        place=fields.pop("place", "社区广场"),
        expected_participants=fields.pop("expected_participants", 100),
        **fields,
    )


def make_evaluation(organisation, *, year: int = 2024, score: int = 80, **fields) -> Evaluation:
    return Evaluation.objects.create(organisation=organisation, year=year, score=score, **fields)
