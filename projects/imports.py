"""Excel/CSV import of contractors, annual plans and contracts (the stations' import pattern).

Each import reads the whole file, checks every row with the services' own validation and reports
every problem by row and column; only a clean file is written, row by row through the services,
inside one transaction, and a rule that only shows between rows (two contracts for one station)
rejects the whole file too. Rows are matched to stored records by their natural key: a
contractor by its credit code, a plan by county and year, a contract by its number; a stored
record outside the actor's reach is reported, never changed.

Every import needs an account: the services record who signed and changed what, and a county
imports only its own records (`manage.py import_records … --as-user NAME`).
"""

import re
from decimal import Decimal
from pathlib import Path
from typing import IO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from projects import selectors, services
from projects.models import AnnualPlan, Contract, Contractor
from stations.access import actor_root_path, scope_to_actor
from stations.models import AdminArea
from stations.station_imports import (
    CellError,
    ImportResult,
    choice_words,
    parse_choice,
    parse_date,
    parse_decimal,
    parse_int,
    read_rows,
    row_errors,
    station_lookup,
    write_through,
)
from stations.tabular import ImportRejected, RowError

CONTRACTOR_REQUIRED = ["credit_code", "name", "kind", "area"]
CONTRACTOR_OPTIONAL = ["contact_person", "contact_phone", "address"]

PLAN_REQUIRED = ["area", "year", "goals", "budget", "procurement_method"]
PLAN_OPTIONAL = ["content_and_schedule", "standards", "evaluation_plan", "submitted_on"]

CONTRACT_REQUIRED = ["number", "title", "area", "contractor", "start_date", "price"]
CONTRACT_OPTIONAL = [
    "end_date",
    "townships",
    "stations",
    "plan_year",
    "content",
    "quantities",
    "quality_standards",
    "settlement_method",
    "signed_on",
    "activated_on",
    "instalments",
]

# Example rows of the downloadable templates (valid against the demo's 东胜区).
TEMPLATES: dict[str, tuple[list[str], list[str]]] = {
    "contractor": (
        CONTRACTOR_REQUIRED + CONTRACTOR_OPTIONAL,
        [
            "52150602MJY123456F",
            "东胜区阳光社会工作服务中心",
            "social_org",
            "150602000000",
            "张敏",
            "13800000000",
            "东胜区民族街1号",
        ],
    ),
    "annualplan": (
        PLAN_REQUIRED + PLAN_OPTIONAL,
        [
            "150602000000",
            "2026",
            "全区乡镇（街道）社工站全覆盖",
            "1200000.00",
            "公开招标",
            "1—3月招标，4月起运营",
            "每站驻站社工不少于3人",
            "年度绩效评估",
            "2026-03-20",
        ],
    ),
    "contract": (
        CONTRACT_REQUIRED + CONTRACT_OPTIONAL,
        [
            "DS-2026-001",
            "交通街道社工站运营项目",
            "150602000000",
            "52150602MJY123456F",
            "2026-01-01",
            "300000.00",
            "",
            "150602001000",
            "150602001000",
            "2026",
            "个案、小组、社区活动",
            "个案10个/年",
            "按合同标准",
            "按季度拨付",
            "2025-12-20",
            "2026-01-01",
            "2026-03-31:150000; 2026-12-31:150000",
        ],
    ),
}

CONTRACTOR_COLUMNS = {name: name for name in CONTRACTOR_REQUIRED + CONTRACTOR_OPTIONAL}
PLAN_COLUMNS = {name: name for name in PLAN_REQUIRED + PLAN_OPTIONAL}
CONTRACT_COLUMNS = {
    **{name: name for name in CONTRACT_REQUIRED + CONTRACT_OPTIONAL},
    "plan": "plan_year",
    "status": "",
}
LIST_SEPARATORS = re.compile(r"[\s,;，；、]+")
INSTALMENT_SEPARATORS = re.compile(r"[;\n；]+")


def _require_actor(actor) -> str:
    """The path the actor reaches ("" for everything); refuses a file from nobody."""
    if actor is None:
        raise ImportRejected(
            [RowError(0, "", _("Give the account to import as (--as-user on the command line)."))]
        )
    root = actor_root_path(actor)
    if root is None:
        raise ImportRejected([RowError(0, "", _("Your account has no area; it cannot import."))])
    return root


def _areas_in_reach(codes: set[str], *, actor) -> dict[str, AdminArea]:
    """Areas named in a file, by code, among those the actor reaches. One query."""
    return {
        area.code: area
        for area in scope_to_actor(AdminArea.objects.all(), actor=actor, area_field=None).filter(
            code__in=codes
        )
    }


def _no_area(number: int, column: str, code: str) -> RowError:
    return RowError(
        number, column, _("No area with code “%(code)s” within your reach.") % {"code": code}
    )


def _first_row_error(number: int, column: str, first: int) -> RowError:
    return RowError(
        number, column, _("This appears again in the file (first on row %(row)d).") % {"row": first}
    )


def _write(parsed: list[tuple[int, object]], save, columns: dict[str, str]) -> ImportResult:
    """Writes the checked rows through `save(obj)`; any refusal rejects the whole file."""
    return write_through([(number, obj, True) for number, obj in parsed], save, columns)


# --- contractors ---------------------------------------------------------------------------------


def contractor_import(
    source: str | Path | IO[bytes], *, actor=None, name: str | None = None
) -> ImportResult:
    """Creates contractors and updates those named by credit code, kept by areas in reach.

    Cost: three queries to read the areas and contractors the file names, then the service's
    few queries per row.
    """
    _require_actor(actor)
    rows = read_rows(source, required=CONTRACTOR_REQUIRED, optional=CONTRACTOR_OPTIONAL, name=name)
    areas = _areas_in_reach({row["area"] for _number, row in rows}, actor=actor)
    codes = {row["credit_code"].upper() for _number, row in rows}
    stored = {
        contractor.credit_code: contractor
        for contractor in Contractor.objects.select_related("area").filter(credit_code__in=codes)
    }
    reachable = set(
        selectors.contractor_list(actor=actor)
        .filter(credit_code__in=codes)
        .values_list("credit_code", flat=True)
    )
    kinds = choice_words(Contractor.Kind)
    errors: list[RowError] = []
    parsed: list[tuple[int, Contractor]] = []
    first_row: dict[str, int] = {}
    for number, row in rows:
        code = row["credit_code"].upper()
        problems: list[RowError] = []
        if code in first_row:
            errors.append(_first_row_error(number, "credit_code", first_row[code]))
            continue
        first_row[code] = number
        contractor = stored.get(code)
        if contractor is not None and code not in reachable:
            errors.append(
                RowError(
                    number,
                    "credit_code",
                    _("This contractor is kept by another area; it cannot be changed here."),
                )
            )
            continue
        area = areas.get(row["area"])
        if area is None:
            problems.append(_no_area(number, "area", row["area"]))
        try:
            kind = parse_choice(row["kind"], kinds)
        except CellError as error:
            problems.append(RowError(number, "kind", str(error)))
        if problems:
            errors.extend(problems)
            continue
        contractor = contractor or Contractor(credit_code=code)
        contractor.name = row["name"]
        contractor.kind = kind
        contractor.area = area
        for column in CONTRACTOR_OPTIONAL:
            if column in row:
                setattr(contractor, column, row[column])
        try:
            contractor.full_clean()
        except ValidationError as error:
            errors.extend(row_errors(number, error, CONTRACTOR_COLUMNS))
            continue
        parsed.append((number, contractor))
    if errors:
        raise ImportRejected(errors)
    return _write(
        parsed,
        lambda contractor: services.contractor_save(actor=actor, contractor=contractor),
        CONTRACTOR_COLUMNS,
    )


# --- annual plans --------------------------------------------------------------------------------


def plan_import(
    source: str | Path | IO[bytes], *, actor=None, name: str | None = None
) -> ImportResult:
    """Creates counties' annual plans and updates those of the same county and year.

    Cost: two queries to read the areas and plans the file names, then a few per row.
    """
    _require_actor(actor)
    rows = read_rows(source, required=PLAN_REQUIRED, optional=PLAN_OPTIONAL, name=name)
    areas = _areas_in_reach({row["area"] for _number, row in rows}, actor=actor)
    stored = {
        (plan.area_id, plan.year): plan
        for plan in AnnualPlan.objects.select_related("area").filter(area__code__in=list(areas))
    }
    errors: list[RowError] = []
    parsed: list[tuple[int, AnnualPlan]] = []
    first_row: dict[tuple[str, int], int] = {}
    for number, row in rows:
        problems: list[RowError] = []
        values = {}
        area = areas.get(row["area"])
        if area is None:
            problems.append(_no_area(number, "area", row["area"]))
        elif area.level != AdminArea.Level.COUNTY:
            problems.append(
                RowError(
                    number,
                    "area",
                    _("Choose a county-level area (the county civil-affairs bureau)."),
                )
            )
        for column, parse in (
            ("year", parse_int),
            ("budget", lambda value: parse_decimal(value, required=True)),
            ("submitted_on", parse_date),
        ):
            try:
                values[column] = parse(row.get(column, ""))
            except CellError as error:
                problems.append(RowError(number, column, str(error)))
        if problems:
            errors.extend(problems)
            continue
        key = (area.code, values["year"])
        if key in first_row:
            errors.append(_first_row_error(number, "year", first_row[key]))
            continue
        first_row[key] = number
        plan = stored.get((area.pk, values["year"])) or AnnualPlan(area=area, year=values["year"])
        plan.goals = row["goals"]
        plan.budget = values["budget"]
        plan.procurement_method = row["procurement_method"]
        plan.submitted_on = values["submitted_on"]
        for column in ("content_and_schedule", "standards", "evaluation_plan"):
            if column in row:
                setattr(plan, column, row[column])
        try:
            plan.full_clean(validate_unique=False)
        except ValidationError as error:
            errors.extend(row_errors(number, error, PLAN_COLUMNS))
            continue
        parsed.append((number, plan))
    if errors:
        raise ImportRejected(errors)
    return _write(parsed, lambda plan: services.plan_save(actor=actor, plan=plan), PLAN_COLUMNS)


# --- contracts -----------------------------------------------------------------------------------


def _codes(value: str) -> list[str]:
    return [part for part in LIST_SEPARATORS.split(value or "") if part]


def parse_instalments(value: str) -> list[dict]:
    """A payment schedule written "2025-03-31:100000; 2025-12-31:200000" (date:amount pairs)."""
    instalments = []
    for part in INSTALMENT_SEPARATORS.split(value or ""):
        part = part.strip()
        if not part:
            continue
        day, separator, amount = part.replace("：", ":").partition(":")
        if not separator:
            raise CellError(
                _("Write each instalment as date:amount (e.g. 2025-03-31:100000), not “%(part)s”.")
                % {"part": part}
            )
        number = parse_decimal(amount.strip(), required=True)
        if number != number.quantize(Decimal("0.01")) or number >= 10**12:
            raise CellError(
                _("An instalment is in yuan with at most two decimals, not “%(part)s”.")
                % {"part": part}
            )
        if number <= 0:
            raise CellError(
                _("An instalment must be more than 0 yuan, not “%(part)s”.") % {"part": part}
            )
        instalments.append(
            {"due_date": parse_date(day.strip(), required=True), "amount": number, "note": ""}
        )
    return instalments


def contract_import(
    source: str | Path | IO[bytes], *, actor=None, name: str | None = None
) -> ImportResult:
    """Creates contracts and updates those named by number, with townships, stations and plan.

    `instalments` is the payment schedule ("2025-03-31:100000; 2025-12-31:200000"), which must
    add up to the price; `signed_on` and `activated_on` move a contract in procurement forward (signed, then active,
    which schedules its reports), so that contracts already running can be brought in. The
    station rules (one contract per station, the county total station and its township
    stations not with one contractor) are checked against the database row by row, and again
    between the file's own rows as they are written. Cost: a handful of queries to read what
    the file names, then the services' queries per row.
    """
    _require_actor(actor)
    rows = read_rows(source, required=CONTRACT_REQUIRED, optional=CONTRACT_OPTIONAL, name=name)
    area_codes = {row["area"] for _number, row in rows}
    township_codes = {code for _number, row in rows for code in _codes(row.get("townships", ""))}
    areas = _areas_in_reach(area_codes | township_codes, actor=actor)
    contractors = {
        contractor.credit_code: contractor
        for contractor in selectors.contractor_list(actor=actor).filter(
            credit_code__in={row["contractor"].upper() for _number, row in rows}
        )
    }
    station_values = {code for _number, row in rows for code in _codes(row.get("stations", ""))}
    stations = station_lookup(station_values, actor=actor) if station_values else {}
    numbers = {row["number"] for _number, row in rows}
    stored = {
        contract.number: contract
        for contract in Contract.objects.select_related("area").filter(number__in=numbers)
    }
    reachable = set(
        selectors.contract_list(actor=actor)
        .filter(number__in=numbers)
        .values_list("number", flat=True)
    )
    plans = {
        (plan.area_id, plan.year): plan
        for plan in scope_to_actor(AnnualPlan.objects.all(), actor=actor).filter(
            area__code__in=area_codes
        )
    }
    errors: list[RowError] = []
    parsed: list[tuple[int, Contract, dict]] = []
    first_row: dict[str, int] = {}
    for number, row in rows:
        problems: list[RowError] = []
        if row["number"] in first_row:
            errors.append(_first_row_error(number, "number", first_row[row["number"]]))
            continue
        first_row[row["number"]] = number
        contract = stored.get(row["number"])
        if contract is not None and row["number"] not in reachable:
            errors.append(
                RowError(
                    number,
                    "number",
                    _("This contract number belongs to another county's contract."),
                )
            )
            continue
        values = {}
        for column, parse in (
            ("start_date", lambda value: parse_date(value, required=True)),
            ("end_date", parse_date),
            ("signed_on", parse_date),
            ("activated_on", parse_date),
            ("price", lambda value: parse_decimal(value, required=True)),
            ("plan_year", lambda value: parse_int(value) if value else None),
            ("instalments", parse_instalments),
        ):
            try:
                values[column] = parse(row.get(column, ""))
            except CellError as error:
                problems.append(RowError(number, column, str(error)))
        area = areas.get(row["area"])
        if area is None:
            problems.append(_no_area(number, "area", row["area"]))
        contractor = contractors.get(row["contractor"].upper())
        if contractor is None:
            problems.append(
                RowError(
                    number,
                    "contractor",
                    _("No contractor with credit code “%(code)s” within your reach.")
                    % {"code": row["contractor"]},
                )
            )
        townships = []
        for code in _codes(row.get("townships", "")):
            township = areas.get(code)
            if township is None:
                problems.append(_no_area(number, "townships", code))
            elif township.level != AdminArea.Level.TOWNSHIP:
                problems.append(
                    RowError(
                        number,
                        "townships",
                        _("%(name)s is not a township.") % {"name": township.name},
                    )
                )
            else:
                townships.append(township)
        station_ids = []
        for value in _codes(row.get("stations", "")):
            found = stations[value]
            if isinstance(found, str):
                problems.append(RowError(number, "stations", found))
            else:
                station_ids.append(found.pk)
        plan = None
        if values.get("plan_year") and area is not None:
            plan = plans.get((area.pk, values["plan_year"]))
            if plan is None:
                problems.append(
                    RowError(
                        number,
                        "plan_year",
                        _("%(county)s has no annual plan for %(year)s.")
                        % {"county": area.name, "year": values["plan_year"]},
                    )
                )
        if problems:
            errors.extend(problems)
            continue
        steps = _status_steps(number, contract, values, errors)
        if steps is None:
            continue
        contract = contract or Contract()
        contract.number = row["number"]
        contract.title = row["title"]
        contract.area = area
        contract.contractor = contractor
        contract.plan = plan
        contract.start_date = values["start_date"]
        contract.end_date = values["end_date"]
        contract.price = values["price"]
        for column in ("content", "quantities", "quality_standards", "settlement_method"):
            if column in row:
                setattr(contract, column, row[column])
        links = {
            "townships": townships if "townships" in row else None,
            "station_ids": sorted(set(station_ids)) if "stations" in row else None,
            # A blank cell keeps the stored schedule; a stored one must still add up.
            "instalments": values["instalments"] or None,
            "steps": steps,
        }
        try:
            services.contract_validate(
                contract,
                townships=links["townships"],
                station_ids=links["station_ids"],
                instalments=links["instalments"],
            )
        except ValidationError as error:
            errors.extend(row_errors(number, error, CONTRACT_COLUMNS))
            continue
        parsed.append((number, contract, links))
    if errors:
        raise ImportRejected(errors)

    links_of = {id(contract): links for _number, contract, links in parsed}

    def save(contract):
        links = links_of[id(contract)]
        saved = services.contract_save(
            actor=actor,
            contract=contract,
            townships=links["townships"],
            station_ids=links["station_ids"],
            instalments=links["instalments"],
        )
        for to_status, effective_on in links["steps"]:
            saved = services.contract_transition(
                actor=actor, contract=saved, to_status=to_status, effective_on=effective_on
            )

    return write_through(
        [(number, contract, True) for number, contract, _links in parsed], save, CONTRACT_COLUMNS
    )


def _status_steps(number: int, contract: Contract | None, values: dict, errors: list[RowError]):
    """The status changes `signed_on`/`activated_on` ask of a contract, or None (with errors).

    Only a contract in procurement or signed moves forward here; for one further on, the dates
    must be blank or those stored (terminating or completing is done in the admin).
    """
    signed_on, activated_on = values["signed_on"], values["activated_on"]
    status = contract.status if contract is not None else Contract.Status.PROCUREMENT
    if activated_on and not signed_on and status == Contract.Status.PROCUREMENT:
        errors.append(RowError(number, "signed_on", _("Give the signing date as well.")))
        return None
    signed = signed_on or (contract.signed_on if contract is not None else None)
    if signed and activated_on and activated_on < signed:
        errors.append(
            RowError(number, "activated_on", _("A contract cannot start before it is signed."))
        )
        return None
    steps = []
    if status == Contract.Status.PROCUREMENT:
        if signed_on:
            steps.append((Contract.Status.SIGNED, signed_on))
        if activated_on:
            steps.append((Contract.Status.ACTIVE, activated_on))
        return steps
    if status == Contract.Status.SIGNED:
        if signed_on and signed_on != contract.signed_on:
            errors.append(_stored_date_error(number, "signed_on", contract))
            return None
        if activated_on:
            steps.append((Contract.Status.ACTIVE, activated_on))
        return steps
    for column in ("signed_on", "activated_on"):
        if values[column] and values[column] != getattr(contract, column):
            errors.append(_stored_date_error(number, column, contract))
            return None
    return steps


def _stored_date_error(number: int, column: str, contract: Contract) -> RowError:
    return RowError(
        number,
        column,
        _("The contract is already “%(status)s”; this date can only be changed in the admin.")
        % {"status": contract.get_status_display()},
    )
