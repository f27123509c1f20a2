"""The time services see. Normally the wall clock; `travel_to` moves it, for the demo
generator replaying three years of history and for `fire_deadlines --as-of`."""
from __future__ import annotations

import contextlib
import contextvars
import datetime as dt

from django.utils import timezone

_offset: contextvars.ContextVar[dt.timedelta | None] = contextvars.ContextVar("clock_offset", default=None)


def now() -> dt.datetime:
    offset = _offset.get()
    return timezone.now() if offset is None else timezone.now() + offset


@contextlib.contextmanager
def travel_to(moment: dt.datetime):
    """Within the block, now() starts at `moment` and runs on at the wall clock's pace."""
    token = _offset.set(moment - timezone.now())
    try:
        yield
    finally:
        _offset.reset(token)
