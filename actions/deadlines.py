"""A clock whose pause has run out (DEADLINE_PAUSE_MAX_DAYS) is recorded as running again
(`pause_lapsed`): by the deadline sweep (actions.sweep) before it warns or breaches it, and by a
clock service (actions.clocks) before it acts on the clock.
"""
from __future__ import annotations

from actions.changes import record_change
from casework import clock
from casework import deadlines as clocks
from casework.ladder import EventAction
from casework.models import Case, CaseDeadline


def settle_lapsed_pause(case: Case, deadline: CaseDeadline | None) -> None:
    """Record that the clock's pause ran its full length and the clock runs again (the system's act).

    The caller holds the case's row lock.
    """
    if deadline is None or not deadline.lapsed(clock.now()):
        return
    paused_at, ended_at = deadline.paused_at, deadline.pause_ends_at
    stood = clocks.lapse_pause(deadline)
    record_change(case, actor=None, action=EventAction.PAUSE_LAPSED,
                  data={"deadline": deadline.kind, "paused_at": paused_at, "lapsed_at": ended_at,
                        "paused_seconds": int(stood.total_seconds()), "due_at": deadline.due_at})
