"""Which cases are demo cases: those `load_demo` recorded (`DemoCase`); every other case is real."""
from __future__ import annotations

from casework.models import Case
from demo.models import DemoCase


def real_cases() -> int:
    """How many cases of the database load_demo did not file."""
    return Case.objects.exclude(pk__in=DemoCase.objects.values("case_id")).count()
