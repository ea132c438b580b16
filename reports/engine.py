"""Computes metrics for every area of a subtree with a number of queries independent of its size.

Each metric reads its facts with one or two grouped queries (counts per area path), and the
`Tree` rolls them up to every ancestor in Python along the materialised paths. Values combine in
one of three ways, so that the figures of separately computed parts (provinces, cities) can be
combined for the areas above them:

- "ratio": value = numerator / denominator × scale; numerators and denominators add up;
- "sum": value = numerator; numerators add up;
- "min": value = the smallest numerator among the counted leaves; denominator counts the leaves.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.functional import Promise

from stations.models import AdminArea, AreaPopulation

Level = AdminArea.Level
FOUR_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class AreaRow:
    id: int
    code: str
    name: str
    path: str
    level: int
    urban_rural: str
    is_virtual: bool
    is_placeholder: bool


class Tree:
    """The areas of a subtree (one query) and roll-ups along their paths."""

    def __init__(self, root_path: str):
        self.root_path = root_path
        self.rows: dict[str, AreaRow] = {
            row[3]: AreaRow(*row)
            for row in AdminArea.objects.filter(path__startswith=root_path)
            .order_by("path")
            .values_list(
                "id",
                "code",
                "name",
                "path",
                "level",
                "urban_rural",
                "is_virtual",
                "is_placeholder",
            )
            .iterator(chunk_size=20000)
        }

    def ancestors(self, path: str) -> Iterable[str]:
        """The paths from the subtree root down to `path` itself."""
        end = len(self.root_path)
        while end <= len(path):
            prefix = path[:end]
            if prefix in self.rows:
                yield prefix
            next_end = path.find("/", end)
            if next_end < 0:
                break
            end = next_end + 1

    def roll_up(self, facts: dict[str, Decimal | int]) -> dict[str, Decimal]:
        """Sums of leaf facts for every area that has one at or below it."""
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for path, amount in facts.items():
            if not amount:
                continue
            for ancestor in self.ancestors(path):
                totals[ancestor] += Decimal(amount)
        return totals

    def count(self, predicate: Callable[[AreaRow], bool]) -> dict[str, Decimal]:
        """For every area, how many areas at or below it satisfy `predicate` (no query)."""
        return self.roll_up({path: 1 for path, row in self.rows.items() if predicate(row)})

    def roll_up_min(
        self, facts: dict[str, Decimal | int], leaves: Iterable[str]
    ) -> dict[str, tuple[Decimal, Decimal]]:
        """(smallest fact, number of leaves) over the `leaves` at or below every area.

        Leaves without a fact count as zero.
        """
        result: dict[str, tuple[Decimal, Decimal]] = {}
        for leaf in leaves:
            amount = Decimal(facts.get(leaf, 0))
            for ancestor in self.ancestors(leaf):
                current = result.get(ancestor)
                if current is None:
                    result[ancestor] = (amount, Decimal(1))
                else:
                    result[ancestor] = (min(current[0], amount), current[1] + 1)
        return result

    def population(self, year: int) -> dict[str, Decimal]:
        """Each area's population: its own figure, else the sum of its children's (one query)."""
        own = dict(
            AreaPopulation.objects.filter(year=year, area__path__startswith=self.root_path)
            .values_list("area__path", "population")
            .iterator(chunk_size=20000)
        )
        children: dict[str, list[str]] = defaultdict(list)
        for path in self.rows:
            parent = path[: path.rstrip("/").rfind("/") + 1]
            if parent in self.rows:
                children[parent].append(path)
        effective: dict[str, Decimal] = {}
        # Deepest first, so that children are done before their parents.
        for path in sorted(self.rows, key=len, reverse=True):
            if path in own:
                effective[path] = Decimal(own[path])
                continue
            figures = [effective[child] for child in children[path] if child in effective]
            if figures:
                effective[path] = sum(figures, Decimal(0))
        return effective


@dataclass(frozen=True)
class Metric:
    key: str
    name: str | Promise
    unit: str
    combine: str  # "ratio" | "sum" | "min"
    compute: Callable[[Tree, int], dict[str, tuple[Decimal | None, Decimal | None]]]
    scale: Decimal = Decimal(1)
    description: str | Promise = ""
    # The denominator is the population (an area's own figure overrides its children's sum).
    per_population: bool = False

    def value(self, numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
        """The metric's value, or None for "no data" (no denominator, nothing counted)."""
        if self.combine == "sum":
            return None if numerator is None else _round(numerator)
        if denominator is None or denominator == 0 or numerator is None:
            return None
        if self.combine == "min":
            return _round(numerator)
        return _round(Decimal(numerator) / Decimal(denominator) * self.scale)

    def combine_parts(
        self, parts: Iterable[tuple[Decimal | None, Decimal | None]]
    ) -> tuple[Decimal | None, Decimal | None]:
        """The (numerator, denominator) of an area from those of its separately computed parts."""
        parts = [part for part in parts if part != (None, None)]
        if not parts:
            return (None, None)
        if self.combine == "min":
            counted = [part for part in parts if part[1]]
            if not counted:
                return (None, Decimal(0))
            return (
                min(part[0] for part in counted),
                sum((part[1] for part in counted), Decimal(0)),
            )
        numerator = sum((part[0] or Decimal(0) for part in parts), Decimal(0))
        denominators = [part[1] for part in parts if part[1] is not None]
        denominator = sum(denominators, Decimal(0)) if denominators else None
        return (numerator, denominator)


def _round(value: Decimal) -> Decimal:
    return Decimal(value).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def ratio_facts(
    tree: Tree,
    numerators: dict[str, Decimal | int],
    denominators: dict[str, Decimal],
) -> dict[str, tuple[Decimal | None, Decimal | None]]:
    """(numerator, denominator) for every area from rolled-up denominators and leaf numerators."""
    rolled = tree.roll_up(numerators)
    return {path: (rolled.get(path, Decimal(0)), denominators.get(path)) for path in tree.rows}


def sum_facts(
    tree: Tree, numerators: dict[str, Decimal | int]
) -> dict[str, tuple[Decimal | None, Decimal | None]]:
    rolled = tree.roll_up(numerators)
    return {path: (rolled.get(path, Decimal(0)), None) for path in tree.rows}
