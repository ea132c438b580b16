"""Bulk writing of generated rows: COPY on PostgreSQL, bulk_create in large batches elsewhere.

Rows are plain tuples in the order of the columns registered for their model, with explicit
primary keys handed out by the writer, so that children can point at parents before anything is
written and the same seed always gives the same ids.
"""

import datetime
import io
import json
import time
from collections import Counter, defaultdict
from decimal import Decimal

from django.core.management.color import no_style
from django.db import connections
from django.db.models import Max, Model

BATCH_ROWS = 50_000


def _copy_value(value) -> str:
    """One value in COPY's text format (tab-separated, backslash escapes, \\N for NULL)."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, datetime.date):  # datetime is a date too; isoformat keeps the offset
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


class BulkWriter:
    """Buffers rows per model and writes them parents first, in the caller's transaction.

    Models are written in the order they were registered (register parents before children), so
    that foreign keys hold even where PostgreSQL checks them row by row.
    """

    def __init__(self, *, using: str = "default", batch_rows: int = BATCH_ROWS):
        self.using = using
        self.connection = connections[using]
        self.use_copy = self.connection.vendor == "postgresql"
        self.batch_rows = batch_rows
        self.models: list[type[Model]] = []
        self.attnames: dict[type[Model], list[str]] = {}
        self.buffers: dict[type[Model], list[tuple]] = defaultdict(list)
        self.next_ids: dict[type[Model], int] = {}
        self.extra: dict[type[Model], list[tuple[str, object]]] = {}
        self.rows: Counter = Counter()
        self.seconds: dict[type[Model], float] = defaultdict(float)
        self.buffered = 0

    def register(self, model: type[Model], attnames: list[str], *, stamp: datetime.datetime):
        """Declares the columns (attnames, "id" first) of the rows added for `model`.

        COPY sets no column it is not given and Django declares no database defaults, so every
        other column is written with the field's default (`stamp` for auto_now fields).
        """
        self.models.append(model)
        self.attnames[model] = attnames
        self.extra[model] = [
            (
                field.attname,
                stamp
                if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
                else field.get_default(),
            )
            for field in model._meta.concrete_fields
            if field.attname not in attnames
        ]
        highest = model.objects.using(self.using).aggregate(highest=Max("pk"))["highest"]
        self.next_ids[model] = (highest or 0) + 1

    def new_id(self, model: type[Model]) -> int:
        value = self.next_ids[model]
        self.next_ids[model] = value + 1
        return value

    def add(self, model: type[Model], row: tuple) -> None:
        self.buffers[model].append(row)
        self.buffered += 1

    def flush_if_full(self) -> None:
        if self.buffered >= self.batch_rows:
            self.flush()

    def flush(self) -> None:
        for model in self.models:
            rows = self.buffers.pop(model, None)
            if rows:
                started = time.monotonic()
                self._write(model, rows)
                self.seconds[model] += time.monotonic() - started
                self.rows[model] += len(rows)
        self.buffered = 0

    def finish(self, *, analyze_also: tuple[type[Model], ...] = ()) -> None:
        """Writes what is left and moves the id sequences past the ids handed out; on PostgreSQL
        refreshes the statistics of the tables written and of `analyze_also`."""
        self.flush()
        statements = self.connection.ops.sequence_reset_sql(no_style(), self.models)
        with self.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
            if self.use_copy:
                # Freshly loaded tables have no statistics until autovacuum comes round; the
                # planner would guess (badly) for the first queries over millions of rows.
                quote = self.connection.ops.quote_name
                for model in [*self.models, *analyze_also]:
                    cursor.execute(f"ANALYZE {quote(model._meta.db_table)}")

    def _write(self, model: type[Model], rows: list[tuple]) -> None:
        extra = self.extra[model]
        attnames = self.attnames[model] + [name for name, _value in extra]
        if extra:
            defaults = tuple(value for _name, value in extra)
            rows = [row + defaults for row in rows]
        if not self.use_copy:
            model.objects.using(self.using).bulk_create(
                [model(**dict(zip(attnames, row, strict=True))) for row in rows],
                batch_size=5_000,
            )
            return
        by_attname = {field.attname: field for field in model._meta.concrete_fields}
        quote = self.connection.ops.quote_name
        columns = ", ".join(quote(by_attname[name].column) for name in attnames)
        buffer = io.StringIO()
        buffer.writelines("\t".join(map(_copy_value, row)) + "\n" for row in rows)
        buffer.seek(0)
        with self.connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN", buffer
            )
