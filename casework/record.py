"""A case's record as a digest: what each event commits to, so an edit made outside the services shows.

The record is the case row and every row that hangs off it, found through the app registry rather
than listed by hand: every model with a foreign key (or one-to-one) to the case, then every model
with a foreign key to one of those, and so on (parties, attachments, clocks, sessions, agreements
with their signatories, obligations and judicial confirmations, terminations, referrals, follow-up
visits…). A model, or a field, added by any app is covered without touching this module. Apps
above casework keep their bookkeeping out with `keep_out_of_record` (casework cannot import them).

Each row is digested whole: every concrete field by its column name, many-to-many fields as the
sorted ids they point at. Values are serialized canonically (UTC instants, quantized decimals,
sorted JSON keys), so SQLite and PostgreSQL give the same digest for the same state; a field
holding its default (or NULL, or "") is left out, so a migration that adds a field with a default
does not change the digest of the rows that already exist.

The digest is a mapping of part (a model's label) to the digest of its rows, for the parts that
have rows, and one digest over that mapping: the event stores both, so `verify_audit` can name the
part that was edited.
"""
from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from django.apps import apps as global_apps
from django.db import models
from django.db.models.fields.files import FieldFile

CASE = "casework.case"
# Not the record: the case row's chain head (it is what commits to the record), the events
# themselves, the search outbox and the filing's idempotency keys (purged after a while).
EXCLUDED_FIELDS = {CASE: frozenset({"event_count", "last_event_hash"})}
# The parties' codes are a credential for reading progress, not a fact of the dispute: their
# revocation is an event of its own, and leaving them out keeps every change one query lighter.
_excluded_models: set[str] = {"casework.caseevent", "casework.searchoutbox", "casework.idempotencykey",
                              "casework.partycode"}


def keep_out_of_record(*labels: str) -> None:
    """Declare models that hang off a case but are bookkeeping, not its record (e.g. "flows.notification").

    Called by the app that owns them, in its AppConfig.ready(); the rows under them are left out too.
    """
    _excluded_models.update(label.lower() for label in labels)
    _parts.clear()


_parts: dict[int, list[Part]] = {}


@dataclass(frozen=True)
class Part:
    """One model of the record and how its rows reach the case (`path` to the case's id)."""

    model: type[models.Model]
    path: str  # "id" for the case itself, "case_id", "agreement__case_id"…

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


def parts(apps=global_apps) -> list[Part]:
    """The models of the record (see `_walk`); cached for the project's own app registry."""
    if apps is not global_apps:
        return _walk(apps)
    if id(apps) not in _parts:
        _parts[id(apps)] = _walk(apps)
    return _parts[id(apps)]


def _walk(apps) -> list[Part]:
    """The models of the record in a stable order, walked from the case along reverse foreign keys.

    A model reachable along several paths takes the shortest; among those, one through required
    foreign keys (a nullable one would miss the rows where it is empty), then the first by name.
    """
    case_model = apps.get_model("casework", "Case")
    found: dict[str, Part] = {CASE: Part(case_model, "id")}
    frontier = [found[CASE]]
    while frontier:
        candidates: dict[str, list[tuple[bool, str, type[models.Model]]]] = defaultdict(list)
        for part in frontier:
            for rel in part.model._meta.related_objects:
                if not (rel.one_to_many or rel.one_to_one) or rel.hidden:
                    continue
                label = rel.related_model._meta.label_lower
                if label in found or label in _excluded_models or rel.related_model._meta.proxy:
                    continue
                # A direct child by its column; a deeper one through its parent's path.
                path = rel.field.attname if part.label == CASE else f"{rel.field.name}__{part.path}"
                candidates[label].append((rel.field.null, path, rel.related_model))
        frontier = []
        for label in sorted(candidates):
            _null, path, model = min(candidates[label], key=lambda c: (c[0], c[1]))
            found[label] = Part(model, path)
            frontier.append(found[label])
    return [found[label] for label in sorted(found)]


# --- canonical values --------------------------------------------------------------------------


def _default(field: models.Field):
    """The field's default when it is a constant (or an empty container), else a sentinel."""
    if not field.has_default():
        return _NO_DEFAULT
    default = field.default
    if callable(default):
        if default in (list, dict, tuple, set, str, int, bool):
            return default()
        return _NO_DEFAULT
    return default


_NO_DEFAULT = object()


def canonical(value):
    """A JSON value standing for `value`, the same whatever the backend returned it as."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(timespec="microseconds") + "Z"
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value // dt.timedelta(microseconds=1)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    return str(value)


def _field_value(field: models.Field, value):
    if value is not None and not field.is_relation and not isinstance(field, (models.JSONField, models.FileField)):
        value = field.to_python(value)
    if isinstance(value, decimal.Decimal) and getattr(field, "decimal_places", None) is not None:
        value = value.quantize(decimal.Decimal(1).scaleb(-field.decimal_places))
    return canonical(value)


def _is_empty(field: models.Field, value) -> bool:
    if value is None or value == "":
        return True
    default = _canonical_default(field)
    return default is not _NO_DEFAULT and default == value


@cache
def _canonical_default(field: models.Field):
    """The field's constant default as `_field_value` gives it, or `_NO_DEFAULT` (none, or None):
    worked out once per field, not once per row."""
    default = _default(field)
    if default is _NO_DEFAULT or default is None:
        return _NO_DEFAULT
    return _field_value(field, default)


@cache
def _columns(model: type[models.Model]) -> tuple[models.Field, ...]:
    excluded = EXCLUDED_FIELDS.get(model._meta.label_lower, frozenset())
    return tuple(f for f in model._meta.concrete_fields if f.attname not in excluded and f.name not in excluded)


@cache
def many_to_many(model: type[models.Model]) -> tuple[models.ManyToManyField, ...]:
    """Many-to-many fields digested as id lists: those without a through model of their own
    (an explicit through model hangs off the record as a part in its own right)."""
    return tuple(f for f in model._meta.local_many_to_many if f.remote_field.through._meta.auto_created)


def canonical_row(model: type[models.Model], values: dict) -> dict:
    """The row's fields (by column name) that are not empty, canonically; `values` by attname."""
    row = {}
    for field in _columns(model):
        value = _field_value(field, values.get(field.attname))
        if not _is_empty(field, value):
            row[field.attname] = value
    for field in many_to_many(model):
        ids = sorted(values.get(field.name) or [])
        if ids:
            row[field.name] = ids
    return row


def digest_of(obj) -> str:
    text = json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class State:
    """What an event commits to: one digest per part that has rows, and one over them all."""

    parts: dict[str, str]

    @property
    def digest(self) -> str:
        return digest_of(self.parts)

    def differences(self, committed: dict[str, str]) -> list[str]:
        """The parts whose rows differ from those `committed` to, by label."""
        return sorted(label for label in set(self.parts) | set(committed)
                      if self.parts.get(label) != committed.get(label))


def _rows_by_case(part: Part, case_ids: list[int], held: dict[int, dict] | None = None) -> dict[int, list[dict]]:
    """Every row of this part for these cases, as attname → value, with its m2m ids: one query
    for the part (none for rows the caller `held`), one per many-to-many field — as many
    whatever the rows."""
    model = part.model
    pk = model._meta.pk.attname
    rows: dict[int, list[dict]] = defaultdict(list)
    if held is not None:
        for case_id in case_ids:
            rows[case_id].append(dict(held[case_id]))
    else:
        names = [f.attname for f in _columns(model)]
        queryset = model._base_manager.filter(**{f"{part.path}__in": case_ids})
        for values in queryset.values(*names, _record_case=models.F(part.path)).order_by(pk):
            rows[values.pop("_record_case")].append(values)
    by_pk = {values[pk]: values for case_rows in rows.values() for values in case_rows}
    for field in many_to_many(model):
        for values in by_pk.values():
            values[field.name] = []
        through = field.remote_field.through
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        links = (through._base_manager.filter(**{f"{source}__{part.path}__in": case_ids})
                 .values_list(f"{source}_id", f"{target}_id"))
        for owner, other in links:
            if owner in by_pk:
                by_pk[owner][field.name].append(other)
    return rows


def _state(rows_by_part: dict[str, tuple[type[models.Model], list[dict]]]) -> State:
    digests = {}
    for label, (model, rows) in rows_by_part.items():
        if rows:
            digests[label] = digest_of([canonical_row(model, values) for values in rows])
    return State(digests)


def current_states(case_ids: Iterable[int], *, apps=global_apps, case_rows: dict[int, dict] | None = None) -> dict[int, State]:
    """The state of each case's record as the database holds it now.

    `case_rows` gives the case rows themselves (attname → value) where the caller holds them, as
    `record_change` does for the locked case it is about to save; the other parts are read.
    """
    case_ids = list(case_ids)
    by_case: dict[int, dict[str, tuple[type[models.Model], list[dict]]]] = {pk: {} for pk in case_ids}
    for part in parts(apps):
        rows = _rows_by_case(part, case_ids, case_rows if part.label == CASE else None)
        for pk in case_ids:
            by_case[pk][part.label] = (part.model, rows.get(pk, []))
    return {pk: _state(by_case[pk]) for pk in case_ids}


def new_case_state(case: models.Model, written: Iterable[models.Model]) -> State:
    """The state of the record of a case created in the current transaction, from the rows just
    written under it, without reading any of them back.

    Equal to `current_states([case.pk])` at that moment when `written` holds every row of the
    record written under the case so far: no other transaction can have added one, since the
    case row it would point at is not committed (PostgreSQL refuses the foreign key, SQLite lets
    one writer in at a time). The rows are taken as written; none has many-to-many links yet (the
    filing sets none), which is checked.
    """
    by_label: dict[str, list[models.Model]] = defaultdict(list)
    for obj in written:
        if obj._meta.label_lower not in _excluded_models:  # e.g. the party code: bookkeeping
            by_label[obj._meta.label_lower].append(obj)
    rows_by_part: dict[str, tuple[type[models.Model], list[dict]]] = {}
    for part in parts():
        if part.label == CASE:
            rows = [case_values(case)]
        else:
            objs = sorted(by_label.pop(part.label, []), key=lambda obj: obj.pk)
            rows = [row_values(obj) for obj in objs]
        rows_by_part[part.label] = (part.model, rows)
    if by_label:
        raise ValueError(f"Not parts of the record: {sorted(by_label)}")
    return _state(rows_by_part)


def row_values(obj: models.Model) -> dict:
    """A row just written, as `current_states` reads one (attname → value); its many-to-many
    fields empty, as they are before anything links them."""
    if obj.pk is None:
        raise ValueError(f"{obj!r} has no primary key: it was not written")
    values = {f.attname: f.value_from_object(obj) for f in _columns(type(obj))}
    for field in many_to_many(type(obj)):
        values[field.name] = []
    return values


def case_values(case: models.Model) -> dict:
    """The in-memory case row as `current_states` reads one (attname → value)."""
    return {f.attname: f.value_from_object(case) for f in _columns(type(case))}


def with_case_row(state: State, case: models.Model) -> State:
    """`state` with its case part taken from the in-memory case row instead: the state a second
    change of the same case leaves when it writes only the case row (the deadline sweep's breach,
    then its supervision order), without reading the other parts again."""
    model = type(case)
    return State({**state.parts, CASE: digest_of([canonical_row(model, case_values(case))])})


def restated(states: dict[int, State], *, labels: Iterable[str], case_rows: dict[int, dict],
             apps=global_apps) -> dict[int, State]:
    """`states` after a change that wrote only the parts `labels` and the case rows (`case_rows`,
    as `current_states` takes them): those parts read again (one query each, for every case), the
    others kept. What `current_states` would give, for a fraction of the reads — the deadline
    sweep's escalations write the clocks and the case rows only."""
    labels = set(labels) | {CASE}
    case_ids = list(case_rows)
    out = {pk: dict(states[pk].parts) for pk in case_ids}
    for part in parts(apps):
        if part.label not in labels:
            continue
        rows = _rows_by_case(part, case_ids, case_rows if part.label == CASE else None)
        for pk in case_ids:
            if rows.get(pk):
                out[pk][part.label] = digest_of([canonical_row(part.model, values) for values in rows[pk]])
            else:
                out[pk].pop(part.label, None)
    return {pk: State(out[pk]) for pk in case_ids}
