"""Import of community social organisations from CSV or .xlsx.

Columns (the header row names them; the first eight are required, the values may be empty):
`name, type, community_code, standing, credit_code, founded, leader, members`, and optionally
`phone, status, served_groups, authority, registered_on, filing_body_code, filed_on,
party_organisation, brand_year, community_name` (the last one is ignored; exports carry it).
Choices are accepted as English keys (`life_service`, `registered`) or Chinese labels
(`生活服务类`, `依法登记`, `备案`).

Matching key, so that a re-import updates instead of duplicating:
- a registered row (with a credit code) matches the organisation with that credit code; if there is
  none, the organisation with the same name in the same community (a filed organisation that has
  since registered);
- a filed row matches the organisation with the same name in the same community.
An empty optional cell keeps what is stored (or takes the default for a new organisation):
the registering authority defaults to the county civil-affairs bureau ("<county>民政局"), the
registration date to the founding date, and the filing body to the community. The file has no
federation or incubation-centre column: a row moving an organisation out of its federation's
township, or out of its centre's county or township, unlinks it, and the result counts these.

The whole file is checked first, with the same rules as the admin and the API; a single bad row
rejects the file and nothing is written.
"""

import datetime
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.models import CommunityOrg, ServedGroup
from orgs.services import org_relation_errors
from stations.access import actor_root_path
from stations.models import AdminArea
from stations.privacy import mask_phone
from stations.tabular import ImportRejected, RowError, read_table

REQUIRED_COLUMNS = [
    "name",
    "type",
    "community_code",
    "standing",
    "credit_code",
    "founded",
    "leader",
    "members",
]
OPTIONAL_COLUMNS = [
    "phone",
    "status",
    "served_groups",
    "authority",
    "registered_on",
    "filing_body_code",
    "filed_on",
    "party_organisation",
    "brand_year",
    "community_name",
]
MAX_BYTES = 20 * 1024 * 1024

Type = CommunityOrg.Type
Standing = CommunityOrg.Standing
Status = CommunityOrg.Status
Party = CommunityOrg.PartyOrganisation

# The Chinese labels of the policy documents; the first one of each value is what exports write.
TYPE_LABELS = {
    Type.LIFE_SERVICE: ["生活服务类", "生活服务"],
    Type.CHARITY: ["公益慈善类", "公益慈善"],
    Type.MUTUAL_AID: ["居民互助类", "居民互助", "互助类"],
    Type.GOVERNANCE: ["社区治理类", "社区治理"],
    Type.VOLUNTEER: ["志愿服务类", "志愿服务"],
    Type.OTHER: ["其他", "其他类"],
}
STANDING_LABELS = {
    Standing.REGISTERED: ["依法登记", "登记", "已登记"],
    Standing.FILED: ["备案", "已备案"],
}
STATUS_LABELS = {
    Status.ACTIVE: ["正常", "活跃", "运行"],
    Status.DORMANT: ["休眠", "不活跃"],
    Status.DEREGISTERED: ["注销", "已注销", "撤销"],
}
PARTY_LABELS = {
    Party.NONE: ["无", "未建立"],
    Party.OWN_BRANCH: ["单独建立党支部", "单独党支部", "独立党支部"],
    Party.JOINT_BRANCH: ["联合党支部"],
    Party.INSTRUCTOR: ["选派党建指导员", "党建指导员"],
}
SERVED_GROUP_SEPARATORS = re.compile(r"[、,，;；/\s]+")
DATE_PATTERNS = [
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
PHONE_RE = re.compile(r"^[0-9+\-() ]{3,20}$")
# Model field → column, for the errors of full_clean() and of the services' rules.
FIELD_COLUMNS = {
    "name": "name",
    "org_type": "type",
    "community": "community_code",
    "standing": "standing",
    "credit_code": "credit_code",
    "founded_on": "founded",
    "leader": "leader",
    "member_count": "members",
    "contact_phone": "phone",
    "status": "status",
    "registration_authority": "authority",
    "registered_on": "registered_on",
    "filing_body": "filing_body_code",
    "filed_on": "filed_on",
    "party_organisation": "party_organisation",
    "brand_year": "brand_year",
}
# The fields an import writes; compared to tell "updated" from "unchanged".
WRITTEN_FIELDS = [
    "name",
    "org_type",
    "community_id",
    "standing",
    "credit_code",
    "founded_on",
    "leader",
    "member_count",
    "contact_phone",
    "status",
    "registration_authority",
    "registered_on",
    "filing_body_id",
    "filed_on",
    "party_organisation",
    "brand_year",
    "federation_id",
    "incubator_id",
]


def choice_label(labels: dict, value: str) -> str:
    """The Chinese label an export writes for a stored choice."""
    return labels[value][0]


def _words(choices, labels: dict) -> dict[str, str]:
    words = {}
    for value, label in choices.choices:
        words[value] = value
        words[str(label).lower()] = value
    for value, chinese in labels.items():
        for word in chinese:
            words[word] = value
    return words


@dataclass
class OrgImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Organisations unlinked from a federation or centre not covering their (new) community.
    links_cleared: int = 0

    def __str__(self) -> str:
        text = _(
            "%(rows)d rows read: %(created)d organisations created, %(updated)d updated, "
            "%(unchanged)d unchanged."
        ) % {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }
        if self.links_cleared:
            text += " " + _(
                "%(count)d organisations were unlinked from a federation or incubation centre "
                "that does not cover their community."
            ) % {"count": self.links_cleared}
        return text


class _Row:
    """One parsed row: the organisation to write and its served groups (None: keep)."""

    def __init__(
        self,
        number: int,
        org: CommunityOrg,
        groups: list[ServedGroup] | None,
        new: bool,
        *,
        links_cleared: bool = False,
    ):
        self.number = number
        self.org = org
        self.groups = groups
        self.new = new
        self.links_cleared = links_cleared


class _Parser:
    def __init__(self, *, root: str):
        self.root = root
        self.errors: list[RowError] = []
        self.type_words = _words(Type, TYPE_LABELS)
        self.standing_words = _words(Standing, STANDING_LABELS)
        self.status_words = _words(Status, STATUS_LABELS)
        self.party_words = _words(Party, PARTY_LABELS)
        self.groups = {}
        for group in ServedGroup.objects.all():
            for word in (group.code, group.name, str(group.get_code_display()).lower()):
                self.groups[word] = group

    def error(self, number: int, column: str, message: str) -> None:
        self.errors.append(RowError(number, column, message))

    def choice(self, words: dict, value: str, number: int, column: str) -> str | None:
        found = words.get(value) or words.get(value.strip().lower())
        if found is None:
            self.error(
                number,
                column,
                _("“%(value)s” is not one of: %(choices)s.")
                % {"value": value, "choices": ", ".join(sorted({*words.values()}))},
            )
        return found

    def date(self, value: str, number: int, column: str) -> datetime.date | None:
        if not value:
            return None
        for pattern in DATE_PATTERNS:
            match = pattern.match(value)
            if match:
                try:
                    return datetime.date(*(int(part) for part in match.groups()))
                except ValueError:
                    break
        self.error(
            number, column, _("“%(value)s” is not a date like 2023-05-01.") % {"value": value}
        )
        return None

    def integer(self, value: str, number: int, column: str) -> int | None:
        if not value:
            return None
        if not value.isdigit():
            self.error(number, column, _("“%(value)s” is not a whole number.") % {"value": value})
            return None
        return int(value)

    def served_groups(self, value: str, number: int) -> list[ServedGroup] | None:
        groups = []
        for word in SERVED_GROUP_SEPARATORS.split(value.strip()):
            if not word:
                continue
            group = self.groups.get(word) or self.groups.get(word.lower())
            if group is None:
                self.error(
                    number,
                    "served_groups",
                    _("Unknown group “%(value)s”.") % {"value": word},
                )
            elif group not in groups:
                groups.append(group)
        return groups


def _load_communities(codes: set[str]) -> dict[str, AdminArea]:
    """The communities named in the file, with their township and county (one query)."""
    return {
        area.code: area
        for area in AdminArea.objects.filter(code__in=codes).select_related("parent__parent")
    }


def _load_existing(credit_codes: set[str], community_ids: set[int]) -> list[CommunityOrg]:
    """The stored organisations a row may match: by credit code or by community (one query)."""
    return list(
        CommunityOrg.objects.filter(
            Q(credit_code__in=credit_codes) | Q(community_id__in=community_ids)
        ).select_related("community", "filing_body", "federation", "incubator__area")
    )


def _county_bureau(community: AdminArea) -> str:
    township = community.parent if community.parent_id else None
    county = township.parent if township is not None and township.parent_id else None
    return f"{county.name}民政局" if county is not None else ""


def org_import(
    source: str | Path | IO[bytes], *, actor=None, name: str | None = None
) -> OrgImportResult:
    """Imports organisations; raises ImportRejected naming every bad row, having written nothing.

    `actor` None is the command line (everything); otherwise every community and every matched
    organisation must lie in the actor's subtree. Cost: four reads (groups, communities, stored
    organisations, nothing per row), then one bulk INSERT, one bulk UPDATE and the groups.
    """
    root = "" if actor is None else actor_root_path(actor)
    if root is None:
        raise ImportRejected([RowError(0, "", _("Your account has no area; it cannot import."))])
    table = read_table(
        source, required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS, name=name, max_bytes=MAX_BYTES
    )
    parser = _Parser(root=root)
    communities = _load_communities({row["community_code"] for _number, row in table.rows})
    in_scope = {
        code: area
        for code, area in communities.items()
        if area.path.startswith(root) and area.level == AdminArea.Level.COMMUNITY
    }
    credit_codes = {row["credit_code"].upper() for _number, row in table.rows if row["credit_code"]}
    existing = _load_existing(credit_codes, {area.pk for area in in_scope.values()})
    by_credit_code = {org.credit_code: org for org in existing if org.credit_code}
    by_name = {(org.community_id, org.name): org for org in existing}

    rows: list[_Row] = []
    seen_codes: dict[str, int] = {}
    seen_names: dict[tuple[int, str], int] = {}
    matched: dict[int, int] = {}
    for number, cells in table.rows:
        row = _parse_row(parser, number, cells, in_scope, by_credit_code, by_name)
        if row is None:
            continue
        org = row.org
        if org.credit_code:
            if org.credit_code in seen_codes:
                parser.error(
                    number,
                    "credit_code",
                    _("Credit code %(code)s appears again (first on row %(row)d).")
                    % {"code": org.credit_code, "row": seen_codes[org.credit_code]},
                )
                continue
            seen_codes[org.credit_code] = number
        key = (org.community_id, org.name)
        if key in seen_names:
            parser.error(
                number,
                "name",
                _("This organisation appears again in the same community (first on row %(row)d).")
                % {"row": seen_names[key]},
            )
            continue
        seen_names[key] = number
        if org.pk is not None:
            if org.pk in matched:
                parser.error(
                    number,
                    "name",
                    _("This row matches the same organisation as row %(row)d.")
                    % {"row": matched[org.pk]},
                )
                continue
            matched[org.pk] = number
        rows.append(row)
    if parser.errors:
        raise ImportRejected(sorted(parser.errors, key=lambda error: error.row))
    result = _write(rows, table_rows=len(table.rows))
    if result.created or result.updated:
        # Bulk writes leave no audit entries: the figures are refreshed explicitly (debounced).
        from reports.services import compliance_refresh_after_import

        compliance_refresh_after_import(area_paths={area.path for area in in_scope.values()})
    return result


def _parse_row(parser, number, cells, communities, by_credit_code, by_name) -> _Row | None:
    """Builds the organisation one row describes (matched or new) and checks it; None if bad."""
    errors_before = len(parser.errors)
    name = cells["name"]
    community = communities.get(cells["community_code"])
    if community is None:
        parser.error(
            number,
            "community_code",
            _("No community with code “%(code)s” within your reach.")
            % {"code": cells["community_code"]},
        )
    org_type = parser.choice(parser.type_words, cells["type"], number, "type")
    standing = parser.choice(parser.standing_words, cells["standing"], number, "standing")
    credit_code = cells["credit_code"].upper()
    founded = parser.date(cells["founded"], number, "founded")
    members = parser.integer(cells["members"], number, "members")
    status = (
        parser.choice(parser.status_words, cells["status"], number, "status")
        if cells.get("status")
        else None
    )
    party = (
        parser.choice(parser.party_words, cells["party_organisation"], number, "party_organisation")
        if cells.get("party_organisation")
        else None
    )
    registered_on = parser.date(cells.get("registered_on", ""), number, "registered_on")
    filed_on = parser.date(cells.get("filed_on", ""), number, "filed_on")
    brand_year = parser.integer(cells.get("brand_year", ""), number, "brand_year")
    groups = (
        parser.served_groups(cells["served_groups"], number) if cells.get("served_groups") else None
    )
    if len(parser.errors) > errors_before or community is None:
        return None

    # Match: credit code first (registered rows), then (community, name).
    org = by_credit_code.get(credit_code) if credit_code else None
    if org is None:
        org = by_name.get((community.pk, name))
    elif (community.pk, name) in by_name and by_name[(community.pk, name)].pk != org.pk:
        parser.error(
            number,
            "name",
            _("Another organisation in this community already has this name."),
        )
        return None
    if org is not None and not org.community.path.startswith(parser.root):
        parser.error(
            number,
            "credit_code",
            _("This credit code belongs to an organisation outside your reach."),
        )
        return None
    new = org is None
    if new:
        org = CommunityOrg(status=Status.ACTIVE, party_organisation=Party.NONE)
    org.name = name
    org.org_type = org_type
    org.community = community
    org.standing = standing
    org.credit_code = credit_code
    org.founded_on = founded
    org.leader = cells["leader"]
    org.member_count = members
    if status:
        org.status = status
    if party:
        org.party_organisation = party
    if brand_year is not None:
        org.brand_year = brand_year
    phone = cells.get("phone", "")
    if phone and phone != mask_phone(org.contact_phone):
        # A masked phone from an export leaves the stored number as it is.
        if not PHONE_RE.match(phone):
            parser.error(
                number, "phone", _("“%(value)s” is not a phone number.") % {"value": phone}
            )
            return None
        org.contact_phone = phone
    if cells.get("authority"):
        org.registration_authority = cells["authority"]
    if registered_on is not None:
        org.registered_on = registered_on
    if filed_on is not None:
        org.filed_on = filed_on
    if standing == Standing.REGISTERED:
        if not org.registration_authority:
            org.registration_authority = _county_bureau(community)
        if org.registered_on is None:
            org.registered_on = founded
    filing_code = cells.get("filing_body_code", "")
    if filing_code:
        if filing_code == community.code:
            org.filing_body = community
        elif filing_code == community.parent_id:
            org.filing_body = community.parent
        else:
            parser.error(
                number,
                "filing_body_code",
                _("The filing body must be the organisation's community or its township."),
            )
            return None
    elif org.filing_body_id is not None and org.filing_body.code not in (
        community.code,
        community.parent_id,
    ):
        # The stored filing body belongs to the community the organisation left.
        org.filing_body = community if standing == Standing.FILED else None
    elif standing == Standing.FILED and org.filing_body_id is None:
        org.filing_body = community
    links_cleared = _clear_links_left_behind(org)
    _check(parser, number, org)
    if len(parser.errors) > errors_before:
        return None
    return _Row(number, org, groups, new, links_cleared=links_cleared)


def _clear_links_left_behind(org: CommunityOrg) -> bool:
    """Unlinks a moved organisation from a federation or incubation centre it has left.

    The file has no column for either, so the stale link would be an error the row cannot fix;
    a federation is its township's, a centre reaches its county or township. True if cleared.
    """
    community = org.community
    township_pk = community.parent.pk if community.parent_id else None
    cleared = False
    if org.federation_id is not None and org.federation.township_id != township_pk:
        org.federation = None
        cleared = True
    if org.incubator_id is not None and not community.path.startswith(org.incubator.area.path):
        org.incubator = None
        cleared = True
    return cleared


def _check(parser, number: int, org: CommunityOrg) -> None:
    """The model's field rules and standing rules, and the services' relation rules."""
    problems: dict[str, list] = {}
    try:
        # Relations were resolved above; uniqueness is checked across the file and the database.
        org.full_clean(
            exclude=["community", "filing_body", "federation", "incubator"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as error:
        problems = error.update_error_dict({})
    for field, messages in org_relation_errors(org).items():
        problems.setdefault(field, messages)
    for field, messages in problems.items():
        column = FIELD_COLUMNS.get(field, "")
        for message in ValidationError(messages).messages:
            parser.error(number, column, message)


@transaction.atomic
def _write(rows: list[_Row], *, table_rows: int) -> OrgImportResult:
    result = OrgImportResult(
        rows=table_rows, links_cleared=sum(1 for row in rows if row.links_cleared)
    )
    new_orgs = [row.org for row in rows if row.new]
    changed = []
    if rows:
        stored = {
            values[0]: values[1:]
            for values in CommunityOrg.objects.filter(
                pk__in=[row.org.pk for row in rows if not row.new]
            ).values_list("pk", *WRITTEN_FIELDS)
        }
        stored_groups: dict[int, set[int]] = {}
        for org_id, group_id in CommunityOrg.served_groups.through.objects.filter(
            communityorg_id__in=list(stored)
        ).values_list("communityorg_id", "servedgroup_id"):
            stored_groups.setdefault(org_id, set()).add(group_id)
        for row in rows:
            if row.new:
                continue
            values = tuple(getattr(row.org, field) for field in WRITTEN_FIELDS)
            groups_same = row.groups is None or {group.pk for group in row.groups} == (
                stored_groups.get(row.org.pk, set())
            )
            if values == stored[row.org.pk] and groups_same:
                result.unchanged += 1
            else:
                changed.append(row.org)
                result.updated += 1
    CommunityOrg.objects.bulk_create(new_orgs, batch_size=1000)
    result.created = len(new_orgs)
    now = timezone.now()
    for org in changed:
        org.updated_at = now
    CommunityOrg.objects.bulk_update(
        changed,
        [*(field.removesuffix("_id") for field in WRITTEN_FIELDS), "updated_at"],
        batch_size=500,
    )
    through = CommunityOrg.served_groups.through
    with_groups = [row for row in rows if row.groups is not None]
    through.objects.filter(communityorg_id__in=[row.org.pk for row in with_groups]).delete()
    through.objects.bulk_create(
        [
            through(communityorg_id=row.org.pk, servedgroup_id=group.pk)
            for row in with_groups
            for group in row.groups
        ],
        batch_size=2000,
    )
    return result
