"""Excel exports of a fund's ledger and of the three lists: columns shared by the API and admin.

Callers pass querysets already scoped to the actor (charity.selectors); personal data is masked
here unless the actor may see it.
"""

from collections.abc import Callable, Iterable

from django.utils.translation import gettext_lazy as _

from stations.privacy import shown_id_number, shown_phone

Column = tuple[str, Callable]

LEDGER_COLUMNS: list[Column] = [
    (_("Entry"), lambda e, actor: e.pk),
    (_("Date"), lambda e, actor: e.booked_on),
    (_("Fund"), lambda e, actor: e.fund.name),
    (_("Area code"), lambda e, actor: e.area.code),
    (_("Kind"), lambda e, actor: e.get_kind_display()),
    # Numbers, not text: stations.exports writes a Decimal as a string.
    (_("In (yuan)"), lambda e, actor: float(e.amount) if e.direction == "in" else None),
    (_("Out (yuan)"), lambda e, actor: float(e.amount) if e.direction == "out" else None),
    (_("Receipt number"), lambda e, actor: e.receipt_number or ""),
    (_("Donor"), lambda e, actor: e.donor.name if e.donor_id else ""),
    (
        _("Donor ID number"),
        lambda e, actor: shown_id_number(e.donor.id_number, actor=actor) if e.donor_id else "",
    ),
    (_("Purpose restriction"), lambda e, actor: e.purpose),
    (_("Paid to"), lambda e, actor: e.get_target_kind_display() if e.target_kind else ""),
    (
        _("Recipient"),
        lambda e, actor: (
            e.linkage_project.name
            if e.linkage_project_id
            else e.need.title
            if e.need_id
            else e.activity.title
            if e.activity_id
            else ""
        ),
    ),
    (_("Reverses entry"), lambda e, actor: e.reverses_id or ""),
    (_("Memo"), lambda e, actor: e.memo),
    (_("Booked by"), lambda e, actor: e.booked_by.username if e.booked_by_id else ""),
]

SOURCE_COLUMNS: list[Column] = [
    (_("Name"), lambda s, actor: s.name),
    (_("Kind"), lambda s, actor: s.get_kind_display()),
    (_("Area code"), lambda s, actor: s.area.code),
    (_("Unified social credit code"), lambda s, actor: s.credit_code),
    (_("Resident ID number"), lambda s, actor: shown_id_number(s.id_number, actor=actor)),
    (_("Contact person"), lambda s, actor: s.contact_person),
    (_("Contact phone"), lambda s, actor: shown_phone(s.contact_phone, actor=actor)),
]

NEED_COLUMNS: list[Column] = [
    (_("Community code"), lambda n, actor: n.area.code),
    (_("Community"), lambda n, actor: n.area.name),
    (_("Title"), lambda n, actor: n.title),
    (_("Group affected"), lambda n, actor: n.get_group_display()),
    (_("Help needed"), lambda n, actor: n.get_help_kind_display()),
    (_("People affected"), lambda n, actor: n.people_affected),
    (_("Urgency"), lambda n, actor: n.get_urgency_display()),
    (_("Source"), lambda n, actor: n.get_source_display()),
    (_("Surveyed on"), lambda n, actor: n.surveyed_on),
    (_("Status"), lambda n, actor: n.get_status_display()),
    (_("Description"), lambda n, actor: n.description),
]

RESOURCE_COLUMNS: list[Column] = [
    (_("Area code"), lambda r, actor: r.area.code),
    (_("Area"), lambda r, actor: r.area.name),
    (_("Name"), lambda r, actor: r.name),
    (_("Kind"), lambda r, actor: r.get_kind_display()),
    (_("Tags"), lambda r, actor: ", ".join(r.tag_list)),
    (_("Fund"), lambda r, actor: r.fund.name if r.fund_id else ""),
    (_("Source"), lambda r, actor: r.source.name if r.source_id else ""),
    (_("Available"), lambda r, actor: r.is_available),
    (_("Description"), lambda r, actor: r.description),
]

PROJECT_COLUMNS: list[Column] = [
    (_("Area code"), lambda p, actor: p.area.code),
    (_("Name"), lambda p, actor: p.name),
    (_("Owner kind"), lambda p, actor: p.get_owner_kind_display()),
    (_("Owner"), lambda p, actor: p.owner_name),
    (_("Status"), lambda p, actor: p.get_status_display()),
    (_("Budget (yuan)"), lambda p, actor: float(p.budget)),
    (_("Needs"), lambda p, actor: "; ".join(need.title for need in p.needs.all())),
    (_("Resources"), lambda p, actor: "; ".join(res.name for res in p.resources.all())),
    (_("Plan"), lambda p, actor: p.plan),
]


def headers(columns: list[Column]) -> list[str]:
    return [str(header) for header, _column in columns]


def rows(columns: list[Column], objects: Iterable, *, actor) -> Iterable[list]:
    return ([column(obj, actor) for _header, column in columns] for obj in objects)
