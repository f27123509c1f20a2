"""Reference rows held in memory per process: the deadline rules and the regions by code (and,
through `Held`, the bodies that own the work queues: mediation.reference).

Every filing read them (one query for the rules of each clock it starts, one for the grid by its
code) although they change a few times a year, by an administrator. They are held here:

- in the process that changes them, dropped at once (`post_save` / `post_delete` of the model)
  and again when that transaction commits, so the next read sees the committed rows;
- in every other process, read again at most `REFERENCE_TTL_SECONDS` (default 30) after they
  were loaded. A filing in that window uses the rule or region as it stood a few seconds
  before — exactly what a filing sent a few seconds earlier would have used — and the clock row
  records the days and day count it was started with, so the record stays true to what happened.

What is held is plain values (the rules) or copies handed out per call (the regions), so no
request can change what another one sees.
"""
from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from casework.models import DeadlineRule, Region


@dataclass(frozen=True)
class Rule:
    kind: str
    region_path: str | None  # None: applies everywhere
    dispute_type: str
    days: int
    day_count: str
    extension_days: int


class Held:
    """One value loaded on first use, dropped on change or when it is older than the TTL."""

    def __init__(self, load) -> None:
        self._load = load
        self._lock = threading.Lock()
        self._value = None
        self._loaded_at = 0.0

    def get(self):
        value, loaded_at = self._value, self._loaded_at
        if value is not None and time.monotonic() - loaded_at < ttl():
            return value
        value = self._load()
        with self._lock:
            self._value, self._loaded_at = value, time.monotonic()
        return value

    def drop(self) -> None:
        with self._lock:
            self._value, self._loaded_at = None, 0.0


def ttl() -> float:
    return float(settings.REFERENCE_TTL_SECONDS)


def _load_rules() -> dict[str, tuple[Rule, ...]]:
    rules: dict[str, list[Rule]] = {}
    for row in DeadlineRule.objects.select_related("region").order_by("pk"):
        rules.setdefault(row.kind, []).append(Rule(
            row.kind, row.region.path if row.region_id else None, row.dispute_type, row.days, row.day_count,
            row.extension_days))
    return {kind: tuple(found) for kind, found in rules.items()}


def _load_regions() -> dict[str, Region]:
    return {region.code: region for region in Region.objects.all()}


_rules = Held(_load_rules)
_regions = Held(_load_regions)


def deadline_rules(kind: str) -> tuple[Rule, ...]:
    """The deadline rules of one stage (clock kind), in the order they were made."""
    return _rules.get().get(kind, ())


def region_by_code(code: str) -> Region | None:
    """The region with this code (a copy of the held row: callers may keep or change it), or None.

    A code not held is looked up in the database (a region made in another process since the
    regions were loaded is found at once); a hit there drops what is held.
    """
    region = _regions.get().get(code)
    if region is not None:
        return copy.copy(region)
    region = Region.objects.filter(code=code).first()
    if region is not None:
        _regions.drop()
    return region


def clear() -> None:
    """Forget everything held (a change, a test that starts from a fresh database)."""
    _rules.drop()
    _regions.drop()


def drop_on_change(models, clear, name: str) -> None:
    """Call `clear` when a row of `models` is saved or deleted in this process, and again when
    that change commits: a read between the two, on another connection, saw the rows as they were
    before and may have held them again."""
    def changed(sender, **kwargs) -> None:
        clear()
        transaction.on_commit(clear, using=kwargs.get("using"))

    for model in models:
        post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"{name}-{model.__name__}-save")
        post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"{name}-{model.__name__}-delete")


def connect_signals() -> None:
    drop_on_change((DeadlineRule, Region), clear, "reference")
