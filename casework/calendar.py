"""Due dates in calendar or working days, against the holiday calendar an administrator keeps."""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

from casework.choices import DayCount


def _day_overrides(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    from casework.models import Holiday

    return dict(Holiday.objects.filter(date__range=(start, end)).values_list("date", "is_working_day"))


def is_working_day(day: dt.date, overrides: dict[dt.date, bool]) -> bool:
    if day in overrides:
        return overrides[day]
    return day.weekday() < 5


def end_of_day(day: dt.date) -> dt.datetime:
    """The last moment of a local day: a deadline "within N days" runs to the end of the Nth day."""
    tz = timezone.get_current_timezone()
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=tz)


def add_days(start: dt.datetime, days: int, day_count: str) -> dt.datetime:
    """The due moment `days` calendar or working days after `start` (the start day not counted)."""
    local_start = timezone.localtime(start).date()
    if day_count == DayCount.CALENDAR:
        return end_of_day(local_start + dt.timedelta(days=days))
    # Working days: look far enough ahead for long holidays (Spring Festival, National Day).
    overrides = _day_overrides(local_start, local_start + dt.timedelta(days=days * 2 + 30))
    day, counted = local_start, 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_working_day(day, overrides):
            counted += 1
    return end_of_day(day)


def warning_moment(start: dt.datetime, due: dt.datetime) -> dt.datetime:
    """Two thirds of the way from start to due."""
    return start + (due - start) * 2 / 3
