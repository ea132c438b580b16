"""The Excel export of organisations, shared by the admin action and the API.

The columns are the import's, so that an exported sheet can be edited and imported again; phones
are masked unless the actor may see them (a masked phone imported back leaves the stored one).
"""

from collections.abc import Callable, Iterator

from django.db.models import QuerySet

from orgs.imports import (
    PARTY_LABELS,
    STANDING_LABELS,
    STATUS_LABELS,
    TYPE_LABELS,
    choice_label,
)
from orgs.models import CommunityOrg
from stations.privacy import shown_phone


def _date(value) -> str:
    return value.isoformat() if value else ""


ORG_EXPORT_COLUMNS: list[tuple[str, Callable[[CommunityOrg, object], object]]] = [
    ("name", lambda org, actor: org.name),
    ("type", lambda org, actor: choice_label(TYPE_LABELS, org.org_type)),
    ("community_code", lambda org, actor: org.community.code),
    ("standing", lambda org, actor: choice_label(STANDING_LABELS, org.standing)),
    ("credit_code", lambda org, actor: org.credit_code),
    ("founded", lambda org, actor: _date(org.founded_on)),
    ("leader", lambda org, actor: org.leader),
    ("members", lambda org, actor: "" if org.member_count is None else org.member_count),
    ("phone", lambda org, actor: shown_phone(org.contact_phone, actor=actor)),
    ("status", lambda org, actor: choice_label(STATUS_LABELS, org.status)),
    ("served_groups", lambda org, actor: "、".join(g.name for g in org.served_groups.all())),
    ("authority", lambda org, actor: org.registration_authority),
    ("registered_on", lambda org, actor: _date(org.registered_on)),
    ("filing_body_code", lambda org, actor: org.filing_body.code if org.filing_body_id else ""),
    ("filed_on", lambda org, actor: _date(org.filed_on)),
    (
        "party_organisation",
        lambda org, actor: choice_label(PARTY_LABELS, org.party_organisation),
    ),
    ("brand_year", lambda org, actor: "" if org.brand_year is None else org.brand_year),
    ("community_name", lambda org, actor: org.community.name),
]


def org_export_headers() -> list[str]:
    return [header for header, _column in ORG_EXPORT_COLUMNS]


def org_export_rows(orgs: QuerySet[CommunityOrg], *, actor) -> Iterator[list]:
    """One row per organisation of an already scoped queryset from `orgs.selectors.org_queryset`.

    Cost: the queryset's own queries per 2,000 rows, whatever its size.
    """
    for org in orgs.iterator(chunk_size=2000):
        yield [column(org, actor) for _header, column in ORG_EXPORT_COLUMNS]
