"""Test data built once per test process and written again, row for row, into each test's database.

Building the demo county through the real loader takes hundreds of queries; a test that needs it
would pay that every time. Instead the builder runs once, inside a transaction that is rolled
back, and what it wrote — every row added, changed or deleted in every table of the project's
models — is kept. `restore()` writes those rows again in one statement per table: a test gets
exactly the database the builder left, in its own transaction (or, for a transactional test,
committed and flushed after it as before), and every test still starts from a database without
the rows of the tests before it.

    snapshot = Snapshot.take(load_topology)            # once, with database access
    topology = snapshot.restore()                      # per test: the rows, and a copy of what
                                                       # the builder returned

A snapshot taken `after=` another is taken on top of it and must be restored on top of it.
What it keeps are database rows only: a builder whose work also lands outside the database
(files, caches, messages) does not belong here.
"""
from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Model


def _tables() -> list[type[Model]]:
    """Every concrete model with a table of its own (auto-created many-to-many tables included)."""
    existing = set(connection.introspection.table_names())
    return [m for m in apps.get_models(include_auto_created=True)
            if m._meta.managed and not m._meta.proxy and m._meta.db_table in existing]


def _columns(model: type[Model]) -> list:
    # Local fields only: a multi-table child (flows.DisputeProcess) has its parent's row in the
    # parent's table, which is listed on its own.
    return list(model._meta.local_concrete_fields)


def _rows(model: type[Model]) -> dict[Any, tuple]:
    fields = _columns(model)
    pk_index = fields.index(model._meta.pk)
    rows = model._base_manager.order_by().values_list(*(f.attname for f in fields))
    return {row[pk_index]: tuple(row) for row in rows}


@dataclass
class _TableChanges:
    model: type[Model]
    inserted: list[tuple] = field(default_factory=list)
    updated: list[tuple] = field(default_factory=list)
    deleted: list[Any] = field(default_factory=list)


@dataclass
class Snapshot:
    changes: list[_TableChanges]
    value: Any
    after: Snapshot | None = None

    @classmethod
    def take(cls, build: Callable[[], Any], *, after: Snapshot | None = None) -> Snapshot:
        """Run `build()` in a rolled-back transaction (on top of `after`, restored first) and
        keep the rows it wrote and the value it returned."""
        if connection.in_atomic_block:
            # Inside someone's transaction the "before" would hold rows that are not ours to keep
            # or to leave out.
            raise RuntimeError("a snapshot is taken outside any transaction (from a session or module fixture)")
        with transaction.atomic():
            if after is not None:
                after.restore()
            models = _tables()
            before = {m: _rows(m) for m in models}
            value = build()
            changes = []
            for model in models:
                old, new = before[model], _rows(model)
                table = _TableChanges(model)
                table.inserted = [row for pk, row in new.items() if pk not in old]
                table.updated = [row for pk, row in new.items() if pk in old and old[pk] != row]
                table.deleted = [pk for pk in old if pk not in new]
                if table.inserted or table.updated or table.deleted:
                    changes.append(table)
            expected = {m: _rows(m) for m in models}
            transaction.set_rollback(True)
        snapshot = cls(changes, value, after)
        snapshot._check(expected)
        return snapshot

    def _check(self, expected: dict[type[Model], dict]) -> None:
        """Restore once, rolled back, and compare every table with what the builder left: a
        field whose value does not survive the trip would otherwise differ silently."""
        with transaction.atomic():
            if self.after is not None:
                self.after.restore()
            self.restore()
            for model, rows in expected.items():
                if _rows(model) != rows:
                    raise AssertionError(f"{model._meta.label}: the restored rows differ from those the builder wrote")
            transaction.set_rollback(True)

    @property
    def row_count(self) -> int:
        return sum(len(t.inserted) + len(t.updated) + len(t.deleted) for t in self.changes)

    def restore(self) -> Any:
        """Write the rows again (on top of `after`, which the caller restored) and return a deep
        copy of what the builder returned, for the test to use and change as it likes."""
        quote = connection.ops.quote_name
        with transaction.atomic(), connection.cursor() as cursor:
            for table in self.changes:
                meta = table.model._meta
                fields = _columns(table.model)
                pk = meta.pk
                pk_index = fields.index(pk)
                name = quote(meta.db_table)
                if table.deleted:
                    cursor.execute(f"DELETE FROM {name} WHERE {quote(pk.column)} IN ({', '.join(['%s'] * len(table.deleted))})",
                                   [pk.get_db_prep_save(v, connection) for v in table.deleted])
                if table.updated:
                    others = [f for f in fields if f is not pk]
                    sql = (f"UPDATE {name} SET {', '.join(f'{quote(f.column)} = %s' for f in others)} "
                           f"WHERE {quote(pk.column)} = %s")
                    cursor.executemany(sql, [
                        [f.get_db_prep_save(row[i], connection) for i, f in enumerate(fields) if f is not pk]
                        + [pk.get_db_prep_save(row[pk_index], connection)]
                        for row in table.updated])
                if table.inserted:
                    sql = (f"INSERT INTO {name} ({', '.join(quote(f.column) for f in fields)}) "
                           f"VALUES ({', '.join(['%s'] * len(fields))})")
                    cursor.executemany(sql, [[f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True)]
                                             for row in table.inserted])
            # Rows written with their primary keys leave PostgreSQL's sequences where they were;
            # set them past the rows, as loaddata does (SQLite's AUTOINCREMENT follows by itself).
            inserted = [t.model for t in self.changes if t.inserted]
            for sql in connection.ops.sequence_reset_sql(no_style(), inserted):
                cursor.execute(sql)
        return copy.deepcopy(self.value)
