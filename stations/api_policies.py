"""Default permission and pagination classes of the API (named in settings.REST_FRAMEWORK).

Kept apart from stations.api_base: rest_framework.views reads these settings when it is imported.
"""

import json
import threading
import time
from collections.abc import Callable

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import permissions
from rest_framework.pagination import PageNumberPagination

# Lists up to this many rows are counted exactly; a longer one gets the planner's estimate.
EXACT_COUNT_LIMIT = 10_000
# How long a list found longer than the limit is taken as long without counting again (s).
LONG_LIST_MEMO_SECONDS = 300
LONG_LIST_MEMO_SIZE = 2048


class ModelPermissions(permissions.DjangoModelPermissions):
    """Django model permissions, with the view permission required for reads too."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
    }


class ScopedFilterBackend(DjangoFilterBackend):
    """django-filter's backend, telling the filter set which area path the view's scope used.

    `?within=` then leaves out a condition the scope already is (`stations.filters.WithinFilter`).
    """

    def get_filterset(self, request, queryset, view):
        from stations.api_base import ScopedViewSetMixin

        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None and isinstance(view, ScopedViewSetMixin):
            filterset.scope_area_field = view.area_field
        return filterset


def planner_row_estimate(queryset: QuerySet) -> int | None:
    """The number of rows PostgreSQL's planner expects `queryset` to return (None elsewhere).

    Cost: one EXPLAIN (planning only, no rows read), about a millisecond.
    """
    if connections[queryset.db].vendor != "postgresql":
        return None
    plan = json.loads(queryset.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPaginator(Paginator):
    """Counts exactly up to `exact_count_limit` rows, and gives the planner's estimate beyond.

    An exact `COUNT(*)` of a province's 1.5 million service records reads them all (0.3–0.8 s,
    docs/performance.md §3); counting at most limit + 1 rows stays cheap whatever the table size.
    `count_is_estimate` tells which the count is. On databases without an estimate (SQLite) the
    count stays exact.
    """

    exact_count_limit = EXACT_COUNT_LIMIT
    count_is_estimate = False

    def __init__(
        self,
        object_list,
        per_page,
        *args,
        page_rows: QuerySet | None = None,
        counted_rows: Callable[[], QuerySet | None] | None = None,
        probe_rows: Callable[[], QuerySet | None] | None = None,
        page_by_ids: bool = False,
        **kwargs,
    ):
        super().__init__(object_list, per_page, *args, **kwargs)
        # The same rows as `object_list` under conditions only the page reads (see PagePagination).
        self.page_rows = page_rows
        # Build the list again in the form it is counted and estimated in, and some of its rows
        # whose capped count cheaply tells a long list (the same place).
        self.counted_rows = counted_rows
        self.probe_rows = probe_rows
        # Read the page's ids first, then its rows by id (`page_rows_by_id`).
        self.page_by_ids = page_by_ids

    def page(self, number):
        rows = self.object_list if self.page_rows is None else self.page_rows
        if rows is self.object_list and not self.page_by_ids:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if self.page_by_ids and isinstance(rows, QuerySet):
            return self._get_page(page_rows_by_id(rows, bottom, top), number, self)
        return self._get_page(rows[bottom:top], number, self)

    @cached_property
    def count(self) -> int:
        if not isinstance(self.object_list, QuerySet):
            return super().count
        key = _list_key(self.object_list)
        remembered = _long_lists.estimate(key) if key is not None else None
        if remembered is not None:
            # Counted over the limit a moment ago: reading limit + 1 rows of a province's scope
            # again costs 20–35 ms a page, and asking the planner again 4–7 ms on the national
            # tables (docs/performance.md §3), for a figure that is an estimate either way.
            self.count_is_estimate = True
            return remembered
        probe = self.probe_rows() if self.probe_rows is not None else None
        counted = self.counted_rows() if self.counted_rows is not None else None
        if counted is None:
            counted = self.object_list
        if probe is None or _capped_count(probe, self.exact_count_limit) <= self.exact_count_limit:
            capped = _capped_count(counted, self.exact_count_limit)
            if capped <= self.exact_count_limit:
                return capped
        estimate = planner_row_estimate(counted)
        if estimate is None:
            return counted.count()
        self.count_is_estimate = True
        # Never below what was just counted: the planner may under-estimate a subtree.
        estimate = max(estimate, self.exact_count_limit + 1)
        if key is not None:
            _long_lists.remember(key, estimate)
        return estimate


def page_rows_by_id(queryset: QuerySet, bottom: int, top: int) -> list:
    """Rows `bottom` to `top` of `queryset`: their ids first, in the list's order, then the rows
    of those ids (two statements).

    PostgreSQL costs a page of a subtree's rows by fetching every row of the subtree before
    sorting them, and so prefers scanning all 713,034 areas in parallel to find the subtree's
    133 (a county's service records: 60–90 ms); sorting the ids alone it reads the subtree from
    its indexes (3 ms), and then fetches 50 rows by id.
    """
    ids = list(queryset.values_list("pk", flat=True)[bottom:top])
    if not ids:
        return []
    by_id = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)}
    return [by_id[pk] for pk in ids if pk in by_id]


def _capped_count(queryset: QuerySet, limit: int) -> int:
    """The number of rows of `queryset`, counting no further than limit + 1."""
    # Unordered: a sliced count keeps ORDER BY, which would sort the whole list first.
    return queryset.order_by()[: limit + 1].count()


def _list_key(queryset: QuerySet) -> str | None:
    """The list's SQL with its parameters: the same list for the same reader and filters."""
    try:
        sql, params = queryset.order_by().query.sql_with_params()
    except Exception:
        return None
    return f"{queryset.db}\0{sql}\0{params!r}"


class _LongLists:
    """Lists of this process found longer than the limit lately, with their estimated count (a
    bounded, expiring memo).

    Per process, so nothing to share or invalidate: a list that shrinks below the limit is
    counted exactly again at most LONG_LIST_MEMO_SECONDS later (and flagged as an estimate
    until then), and a remembered estimate is at most that old.
    """

    def __init__(self):
        self._entries: dict[str, tuple[float, int]] = {}  # key: (expiry, estimated count)
        self._lock = threading.Lock()

    def estimate(self, key: str) -> int | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] <= time.monotonic():
            return None
        return entry[1]

    def remember(self, key: str, estimate: int) -> None:
        with self._lock:
            if len(self._entries) >= LONG_LIST_MEMO_SIZE:
                self._entries.clear()
            self._entries[key] = (time.monotonic() + LONG_LIST_MEMO_SECONDS, estimate)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_long_lists = _LongLists()


class PagePagination(PageNumberPagination):
    """Pages of 50 (up to 500); `count` is exact up to EXACT_COUNT_LIMIT rows, else estimated.

    With an estimate (`count_is_estimate: true`) the last pages are approximate: `next` may lead
    to an empty page, or the list may end before the page the count promises.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    page_rows: QuerySet | None = None
    view = None

    def paginate_queryset(self, queryset, request, view=None):
        """A view's `page_rows(queryset)` may give the same rows under conditions that only help
        the page's plan: the count, and so its estimate, is taken on `queryset` itself (the
        planner, multiplying the two conditions' selectivities, would expect 1 % of the rows).
        Its `counted_rows()` and `probe_rows()`, called when the list is counted, may build the
        list again in a form the planner counts and estimates better than the one it is read in,
        and a part of it that tells a long list cheaply (`ScopedViewSetMixin`)."""
        narrow = getattr(view, "page_rows", None)
        self.page_rows = narrow(queryset) if narrow and isinstance(queryset, QuerySet) else None
        self.view = view
        return super().paginate_queryset(queryset, request, view)

    def django_paginator_class(self, queryset, page_size):
        return EstimatedCountPaginator(
            queryset,
            page_size,
            page_rows=self.page_rows,
            counted_rows=getattr(self.view, "counted_rows", None),
            probe_rows=getattr(self.view, "probe_rows", None),
            page_by_ids=getattr(self.view, "page_by_ids", False),
        )

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        fields = list(response.data.items())
        fields.insert(1, ("count_is_estimate", self.page.paginator.count_is_estimate))
        response.data = dict(fields)
        return response

    def get_paginated_response_schema(self, schema):
        described = super().get_paginated_response_schema(schema)
        properties = list(described["properties"].items())
        properties.insert(
            1,
            (
                "count_is_estimate",
                {
                    "type": "boolean",
                    "example": False,
                    "description": str(
                        _(
                            "true when the list has more than %(limit)d rows: count is then "
                            "the database planner's estimate, not an exact count"
                        )
                        % {"limit": EXACT_COUNT_LIMIT}
                    ),
                },
            ),
        )
        described["properties"] = dict(properties)
        described["required"] = [*described.get("required", []), "count_is_estimate"]
        return described
