"""Many rows of one model in one statement, without Django's per-value compilation.

`QuerySet.bulk_create` sends each value through the generic insert compiler — an expression check,
a placeholder and a parameter list built per value — which for the deadline sweep's batches was
about a third of a breach, far more than the database's own work; `bulk_update` builds a CASE per
field and row. `insert` writes what bulk_create writes (the same columns, values prepared by the
same `Field.pre_save` and `Field.get_db_prep_save`, auto ids read back with RETURNING; on SQLite
the same batches) for the plain models the hot paths write: no parent model, no database
defaults, no expressions among the values. `update` saves some fields of many
rows, each its own values.

On PostgreSQL both send one array per column (`unnest`): the statement's text stays short and the
same for any number of rows. A multi-row VALUES list of 500 rows is tens of kilobytes of text,
which psycopg's client-side binding parses for placeholders anew on each call (it caches only
statements of at most 50 parameters) — on the sweep's batches, a third of the time.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import TypeVar

from django.db import connections, router
from django.db.models import Model
from django.db.models.fields import NOT_PROVIDED, AutoFieldMixin

M = TypeVar("M", bound=Model)


def _auto_id(model: type[Model]) -> bool:
    return isinstance(model._meta.pk, AutoFieldMixin)


@cache
def _columns(model: type[Model]) -> tuple:
    """The fields an INSERT of `model` writes: every concrete one, but an auto id (the database
    numbers the row); refuses a model this module cannot write as bulk_create would."""
    opts = model._meta
    if opts.parents:
        raise TypeError(f"{opts.label}: insert() writes models with no parent model")
    fields = tuple(f for f in opts.concrete_fields if not (f is opts.pk and _auto_id(model)) and not f.generated)
    for f in fields:
        if f.db_default is not NOT_PROVIDED or hasattr(f, "get_placeholder"):
            raise TypeError(f"{opts.label}.{f.name}: insert() writes plain values only")
    return fields


def insert(objs: Iterable[M], *, unique: Sequence[str] = (), update: Sequence[str] = ()) -> list[M]:
    """Write `objs` (new instances of one model) as `bulk_create` would; with an auto id, each gets
    the id of its row.

    With `unique` (integer fields: ids, or the primary key the rows carry) and `update`, a row whose
    `unique` fields match one already there updates that row's `update` fields instead
    (`bulk_create(update_conflicts=True, unique_fields=…, update_fields=…)`), and its object gets
    that row's id.
    """
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    opts = model._meta
    fields = _columns(model)
    numbered = _auto_id(model)
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    table = quote(opts.db_table)
    head = f"INSERT INTO {table} ({', '.join(quote(f.column) for f in fields)}) "
    returning = [opts.pk] if numbered else []
    tail = ""
    if unique:
        keys = [opts.get_field(name) for name in unique]
        for f in keys:  # matched as the database gives them back: ids and integers only
            if not (f.target_field if f.is_relation else f).get_internal_type().endswith(("IntegerField", "AutoField")):
                raise TypeError(f"{opts.label}.{f.name}: insert() matches conflicts on integer fields only")
        sets = ", ".join(f"{quote(f.column)} = EXCLUDED.{quote(f.column)}" for f in map(opts.get_field, update))
        tail = f" ON CONFLICT ({', '.join(quote(f.column) for f in keys)}) DO UPDATE SET {sets}"
        if numbered:
            returning += keys
            key_at = [fields.index(f) for f in keys]
    if returning:
        tail += " RETURNING " + ", ".join(f"{table}.{quote(f.column)}" for f in returning)
    size = len(objs) if connection.vendor == "postgresql" else max(connection.ops.bulk_batch_size(list(fields), objs), 1)
    with connection.cursor() as cursor:
        for start in range(0, len(objs), size):
            batch = objs[start:start + size]
            rows = [_values(obj, model, fields, numbered, connection) for obj in batch]
            if connection.vendor == "postgresql":
                # One array per column, unnested into rows: the statement's text is the same for
                # any number of rows (psycopg parses a long one anew each time, a cost of its own).
                sql = head + f"SELECT * FROM {_unnest(fields, connection)}"
                params = [list(column) for column in zip(*rows, strict=True)]
            else:
                sql = head + "VALUES " + ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * len(batch))
                params = [value for row in rows for value in row]
            cursor.execute(sql + tail, params)
            if not numbered:
                ids = [obj.pk for obj in batch]
            elif unique:
                # An updated row keeps its id: each object finds its row by its unique fields.
                id_of = {tuple(key): pk for pk, *key in cursor.fetchall()}
                ids = [id_of[tuple(row[i] for i in key_at)] for row in rows]
            else:
                # The ids come in the order the rows were numbered, which is the rows' order: sorted,
                # not trusted to come back in order (SQLite does not promise RETURNING's order).
                ids = sorted(pk for (pk,) in cursor.fetchall())
            for obj, pk in zip(batch, ids, strict=True):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = connection.alias
    return objs


def update(objs: Sequence[Model], names: Sequence[str]) -> None:
    """Save these fields of these rows (of one model), each row its own values, in one UPDATE.

    The new values are joined to the rows by id: a VALUES list on SQLite (UPDATE … FROM, ≥ 3.33),
    arrays unnested on PostgreSQL. `bulk_update` would say the same with a CASE per field and row,
    whose building costs Django ~6 ms a case row.
    """
    if not objs:
        return
    model = type(objs[0])
    opts = model._meta
    fields = [opts.get_field(name) for name in names]
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    table, pk = quote(opts.db_table), quote(opts.pk.column)
    columns = ", ".join(quote(f.column) for f in fields)
    rows = []
    for obj in objs:
        if type(obj) is not model:
            raise ValueError(f"update() saves rows of one model, {opts.label}")
        rows.append([obj.pk, *(f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields)])
    sets = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in fields)
    if connection.vendor == "postgresql":
        source = f"{_unnest([opts.pk, *fields], connection)} AS v (id, {columns})"
        sql, params = (f"UPDATE {table} SET {sets} FROM {source} WHERE {table}.{pk} = v.id",
                       [list(column) for column in zip(*rows, strict=True)])
    else:
        row = "(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"
        sql, params = (f"WITH v (id, {columns}) AS (VALUES {', '.join([row] * len(objs))}) "
                       f"UPDATE {table} SET {sets} FROM v WHERE {table}.{pk} = v.id",
                       [value for row in rows for value in row])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _values(obj: Model, model: type[Model], fields: tuple, numbered: bool, connection) -> list:
    """The row `obj` becomes, as the insert compiler prepares it (`pre_save`, `get_db_prep_save`)."""
    if type(obj) is not model or (obj.pk is not None) == numbered:
        # (the object itself is not named: a party's row holds personal data)
        raise ValueError(f"insert() writes new {model._meta.label} rows only"
                         + ("" if numbered else ", each with its primary key"))
    obj._prepare_related_fields_for_save(operation_name="insert")
    row = []
    for f in fields:
        value = f.pre_save(obj, True)
        if hasattr(value, "resolve_expression"):
            raise TypeError(f"{model._meta.label}.{f.name}: insert() takes no expressions")
        row.append(f.get_db_prep_save(value, connection))
    return row


def _unnest(fields, connection) -> str:
    """`unnest(%s::type[], …)`: one array parameter per column (PostgreSQL)."""
    return "unnest(" + ", ".join(f"%s::{f.cast_db_type(connection)}[]" for f in fields) + ")"
