"""All logic of the area tree: codes, levels, materialised paths, subtrees and population roll-up.

No other module walks the tree: they call these functions (see docs/architecture.md).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from stations.models import AdminArea
from stations.validators import DIVISION_CODE_RE

Level = AdminArea.Level

# How many leading digits of a 12-digit code identify an area at each level; the rest are zeros.
SIGNIFICANT_DIGITS: dict[int, int] = {
    Level.PROVINCE: 2,
    Level.CITY: 4,
    Level.COUNTY: 6,
    Level.TOWNSHIP: 9,
    Level.COMMUNITY: 12,
}
# Levels that may stand at the top of a deployment without a parent in the database.
ROOT_LEVELS = (Level.PROVINCE, Level.CITY)


def path_for(*, parent_path: str | None, code: str) -> str:
    """The materialised path of an area under a parent with `parent_path` (None for a root)."""
    return f"{parent_path or '/'}{code}/"


def codes_in_path(path: str) -> list[str]:
    """The codes from the root down to the area itself."""
    return [segment for segment in path.split("/") if segment]


def code_errors(
    *,
    code: str,
    level: int,
    parent_code: str | None,
    parent_level: int | None,
    published: bool = False,
) -> list[str]:
    """Why `code` at `level` under a parent is not a valid division code; empty when it is.

    `published` is for codes read from the statistical division file: the NBS itself issued a
    few that break the trailing-zeros pattern (三岔口镇 653130103001, a township), and such a code
    is kept as published as long as it carries its parent's digits. Codes typed in by staff must
    follow the pattern.
    """
    if not DIVISION_CODE_RE.match(code or ""):
        return [_("A division code must be exactly 12 digits, got “%(value)s”.") % {"value": code}]
    errors = []
    significant = SIGNIFICANT_DIGITS.get(level)
    if significant is None:
        return [_("Unknown level “%(level)s”.") % {"level": level}]
    if set(code[significant:]) - {"0"} and not (published and parent_code is not None):
        errors.append(
            _("A code at level %(level)s must end in %(zeros)d zeros.")
            % {"level": Level(level).label, "zeros": 12 - significant}
        )
    if parent_code is not None:
        if parent_code == code:
            errors.append(_("An area cannot be its own parent."))
        elif parent_level is not None and parent_level != level - 1:
            errors.append(
                _("A %(level)s must sit directly under a %(expected)s, not under a %(parent)s.")
                % {
                    "level": Level(level).label,
                    "expected": Level(level - 1).label if level > 0 else "-",
                    "parent": Level(parent_level).label,
                }
            )
        elif parent_level is not None:
            prefix = SIGNIFICANT_DIGITS[parent_level]
            if code[:prefix] != parent_code[:prefix]:
                errors.append(
                    _("Code %(code)s does not start with its parent's digits %(prefix)s.")
                    % {"code": code, "prefix": parent_code[:prefix]}
                )
    elif level not in ROOT_LEVELS:
        errors.append(_("A %(level)s needs a parent area.") % {"level": Level(level).label})
    return errors


def subtree_q(path: str, *, field: str = "") -> Q:
    """Rows whose area lies in the subtree with root path `path` (the root included)."""
    prefix = f"{field}__" if field else ""
    return Q(**{f"{prefix}path__startswith": path})


def code_range_q(area: AdminArea, *, field: str = "") -> Q:
    """Areas whose code carries `area`'s significant digits, as a range of codes.

    Every area's code carries its parent's significant digits (`code_errors`, published codes
    included), so this holds the whole subtree of `area` (and, for a virtual or irregular code,
    perhaps a few areas besides, which a subtree condition beside it leaves out). As a range it
    can be walked on the code index in code order, where `path__startswith` cannot.
    """
    prefix = f"{field}__" if field else ""
    digits = area.code[: SIGNIFICANT_DIGITS[area.level]]
    condition = Q(**{f"{prefix}code__gte": digits})
    stem = digits.rstrip("9")
    if stem:  # the first code past the range: 3299 → 33
        condition &= Q(**{f"{prefix}code__lt": stem[:-1] + str(int(stem[-1]) + 1)})
    return condition


def is_county_or_below(path: str) -> bool:
    """Whether the area at `path` is a county or lies below one (its code has more than a city's
    four significant digits: county codes run xxxx01–xxxx99, published irregular ones too)."""
    codes = codes_in_path(path)
    return bool(codes) and set(codes[-1][4:]) != {"0"}


def is_within(path: str, root_path: str) -> bool:
    """Whether the area at `path` lies in the subtree rooted at `root_path`."""
    return path.startswith(root_path)


@dataclass(frozen=True)
class PopulationFigure:
    value: int | None
    # "own" when the area has its own figure, "children" when summed from below, None when unknown.
    source: str | None


def roll_up_population(root_path: str, figures: Iterable[tuple[str, int]]) -> PopulationFigure:
    """The population of the area at `root_path` from (path, population) figures of its subtree.

    An area without its own figure takes the sum of its children's, recursively: this is the sum of
    the topmost figures, those with no figure on an ancestor between them and the root. `figures`
    must be sorted by path, which puts every ancestor before its descendants.
    """
    total = 0
    found = False
    own = False
    covering: str | None = None
    for path, population in figures:
        if covering is not None and path.startswith(covering):
            continue
        covering = path
        total += population
        found = True
        own = own or path == root_path
    if not found:
        return PopulationFigure(None, None)
    return PopulationFigure(total, "own" if own else "children")
