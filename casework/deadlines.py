"""Per-case clocks: started when a stage begins, stopped when it ends, pausable with a reason.

Rules are data (`DeadlineRule`); the defaults below apply where no rule row exists and are
also what the initial data migration writes, so an administrator sees and edits them.
The clock rows are the deadlines' schedule: the sweep (`fire_deadlines`) acts on those whose
warning or due moment has passed (actions.sweep); nothing else needs re-timing when they move.

A pause lasts at most `settings.DEADLINE_PAUSE_MAX_DAYS` calendar days (30 by default): a
forgotten pause must not hide a case for ever. While it lasts, the clock's due and warning
moments are those it reaches if the pause runs its full length, so that "overdue", "due soon"
and the deadline sweep need no arithmetic to see a pause that has run out; resuming earlier brings
them back by the pause not used.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from casework import bulk, calendar, clock, ladder, reference
from casework.choices import DayCount, DeadlineKind, DeadlineState, Status
from casework.errors import InvalidInput, InvalidTransition
from casework.models import Case, CaseDeadline, User
from casework.permissions import covers


@dataclass(frozen=True)
class RuleTerms:
    days: int
    day_count: str
    extension_days: int = 0


K = DeadlineKind
DEFAULT_RULES: dict[str, RuleTerms] = {
    K.ACCEPTANCE: RuleTerms(3, DayCount.CALENDAR),
    # 《人民调解工作若干规定》 art. 33: 一般在一个月内调结; extendable once with both parties' consent.
    K.VILLAGE_MEDIATION: RuleTerms(30, DayCount.CALENDAR, 30),
    K.TOWNSHIP_TRIAGE: RuleTerms(3, DayCount.WORKING),
    K.TOWNSHIP_MEDIATION: RuleTerms(30, DayCount.CALENDAR, 30),
    K.REFERRAL_FEEDBACK: RuleTerms(30, DayCount.CALENDAR),
    K.FOLLOW_UP: RuleTerms(15, DayCount.CALENDAR),
    # People's Mediation Law art. 33: joint request within 30 days of the agreement taking effect.
    K.JUDICIAL_CONFIRMATION: RuleTerms(30, DayCount.CALENDAR),
}

def resolve_rule(*, kind: str, region_path: str, dispute_type: str) -> RuleTerms:
    """The most specific rule for a case: deepest region first, then one for its dispute type.

    The rules are reference rows held in memory (`casework.reference`: dropped on change, read
    again after a short while in other processes): no query in the common case.
    """
    return _best_rule(reference.deadline_rules(kind), kind=kind, region_path=region_path, dispute_type=dispute_type)


def _best_rule(rules, *, kind: str, region_path: str, dispute_type: str) -> RuleTerms:
    best, best_key = None, None
    for rule in rules:
        if rule.region_path is not None and not covers(rule.region_path, region_path):
            continue
        if rule.dispute_type and rule.dispute_type != dispute_type:
            continue
        key = (rule.region_path.count(".") + 1 if rule.region_path is not None else 0, bool(rule.dispute_type))
        if best_key is None or key > best_key:
            best, best_key = rule, key
    if best is None:
        return DEFAULT_RULES[kind]
    return RuleTerms(best.days, best.day_count, best.extension_days)


def start_clock(*, case: Case, kind: str, at: dt.datetime, base: dt.datetime | None = None) -> CaseDeadline:
    """Start a clock at `at`, due `days` after `base` (default: `at`)."""
    terms = resolve_rule(kind=kind, region_path=case.region_path, dispute_type=case.dispute_type)
    due = calendar.add_days(base or at, terms.days, terms.day_count)
    return CaseDeadline.objects.create(
        case=case, kind=kind, started_at=at, due_at=due, warn_at=calendar.warning_moment(at, due),
        day_count=terms.day_count, days=terms.days, extension_days=terms.extension_days,
    )


def stop_clocks(*, case: Case, at: dt.datetime, kinds: tuple[str, ...] | None = None,
                state: str = DeadlineState.MET) -> int:
    clocks = CaseDeadline.objects.filter(case=case, ended_at__isnull=True)
    if kinds is not None:
        clocks = clocks.filter(kind__in=kinds)
    else:
        clocks = clocks.exclude(kind__in=ladder.DETACHED_CLOCKS)
    # A breached clock stays breached when its stage ends; the others are met (or cancelled).
    stopped = clocks.exclude(state=DeadlineState.BREACHED).update(state=state, ended_at=at, paused_at=None,
                                                                   pause_ends_at=None)
    return stopped + clocks.filter(state=DeadlineState.BREACHED).update(ended_at=at)


def start_clocks_many(*, cases: list[Case], kind: str, at: dt.datetime) -> list[CaseDeadline]:
    """`start_clock` for many cases at the same moment (the deadline sweep's escalations): the
    rules as held (`casework.reference`), each distinct due moment computed once, one INSERT."""
    rules = reference.deadline_rules(kind)
    due_of: dict[RuleTerms, dt.datetime] = {}
    clocks = []
    for case in cases:
        terms = _best_rule(rules, kind=kind, region_path=case.region_path, dispute_type=case.dispute_type)
        if terms not in due_of:
            due_of[terms] = calendar.add_days(at, terms.days, terms.day_count)
        due = due_of[terms]
        clocks.append(CaseDeadline(
            case=case, kind=kind, started_at=at, due_at=due, warn_at=calendar.warning_moment(at, due),
            day_count=terms.day_count, days=terms.days, extension_days=terms.extension_days,
        ))
    return bulk.insert(clocks)


def stop_stage_clocks_many(*, case_ids: list[int], at: dt.datetime) -> None:
    """`stop_clocks` (the stage's clocks, met; a breached one stays breached) for many cases at once."""
    clocks = CaseDeadline.objects.filter(case_id__in=case_ids, ended_at__isnull=True).exclude(
        kind__in=ladder.DETACHED_CLOCKS)
    clocks.exclude(state=DeadlineState.BREACHED).update(state=DeadlineState.MET, ended_at=at, paused_at=None,
                                                       pause_ends_at=None)
    clocks.filter(state=DeadlineState.BREACHED).update(ended_at=at)


def follow_up_base(obligation_dates: list[dt.date], at: dt.datetime) -> dt.datetime:
    """The follow-up visit is due 15 days after the agreement's last obligation falls due."""
    if not obligation_dates:
        return at
    return calendar.end_of_day(max(obligation_dates))


def on_status_change(*, case: Case, source: str, at: dt.datetime,
                     obligation_dates: list[dt.date] | None = None) -> list[CaseDeadline]:
    """Stop the clocks of the stage left and start those of the stage entered; the clocks started."""
    if source == case.status:
        return []
    if source:
        stop_clocks(case=case, at=at)
    if source == Status.AGREED and case.status != Status.CLOSED:
        # Reopened: the agreement no longer stands, nor its confirmation window.
        stop_clocks(case=case, at=at, kinds=(K.JUDICIAL_CONFIRMATION,), state=DeadlineState.CANCELLED)
    started = []
    for kind in ladder.clocks_for(case.status):
        base = follow_up_base(obligation_dates or [], at) if kind == K.FOLLOW_UP else None
        started.append(start_clock(case=case, kind=kind, at=at, base=base))
    return started


def current_clock(case: Case) -> CaseDeadline | None:
    """The clock of the stage the case is in now (not the detached countdowns)."""
    kinds = ladder.clocks_for(case.status)
    if not kinds:
        return None
    return (
        CaseDeadline.objects.filter(case=case, kind=kinds[0], ended_at__isnull=True)
        .order_by("-started_at").first()
    )


def max_pause() -> dt.timedelta:
    """How long a pause may last before the clock runs again on its own (calendar days)."""
    return dt.timedelta(days=settings.DEADLINE_PAUSE_MAX_DAYS)


def pause_clock(*, case: Case, actor: User, reason: str, at: dt.datetime | None = None) -> CaseDeadline:
    """Stop the stage's clock for at most `max_pause()`; its moments become the latest they can be."""
    at = at or clock.now()
    deadline = current_clock(case)
    if deadline is None or deadline.state_at(at) != DeadlineState.RUNNING:
        raise InvalidTransition(_("No running deadline to pause."))
    if not reason.strip():
        raise InvalidInput(_("A reason is required."), fields={"reason": [_("A reason is required.")]})
    if deadline.due_at <= at:
        # Pausing a clock that has run out would hide a breach the deadline sweep is about to act on.
        raise InvalidTransition(_("This deadline has already passed and can no longer be paused."))
    longest = max_pause()
    deadline.state, deadline.paused_at, deadline.pause_reason = DeadlineState.PAUSED, at, reason
    deadline.pause_ends_at = at + longest
    deadline.due_at += longest
    deadline.warn_at += longest
    deadline.save(update_fields=["state", "paused_at", "pause_reason", "pause_ends_at", "due_at", "warn_at"])
    return deadline


def pause_shift(deadline: CaseDeadline) -> dt.timedelta:
    """How far a lasting pause has moved the clock's moments ahead (the whole pause, used or not)."""
    if deadline.state != DeadlineState.PAUSED or deadline.pause_ends_at is None:
        return dt.timedelta(0)
    return deadline.pause_ends_at - deadline.paused_at


def resume_clock(*, case: Case, actor: User, at: dt.datetime | None = None) -> tuple[CaseDeadline, dt.timedelta]:
    """Resume a paused clock; its due and warning moments end up moved by the time it stood still."""
    at = at or clock.now()
    deadline = current_clock(case)
    if deadline is None or deadline.state != DeadlineState.PAUSED:
        raise InvalidTransition(_("The deadline is not paused."))
    if deadline.lapsed(at):
        raise InvalidTransition(_("The pause has run out: the deadline runs again."))
    stood = at - deadline.paused_at
    unused = pause_shift(deadline) - stood  # the moments already include the whole pause
    deadline.due_at -= unused
    deadline.warn_at -= unused
    deadline.state, deadline.paused_at, deadline.pause_ends_at = DeadlineState.RUNNING, None, None
    deadline.save(update_fields=["state", "paused_at", "pause_ends_at", "due_at", "warn_at"])
    return deadline, stood


def rebase_follow_up(*, case: Case, obligation_dates: list[dt.date]) -> None:
    """The agreement's obligations changed before anyone signed it: the follow-up visit is due
    after the new last one (`follow_up_base`), and warned of at two thirds of the new time."""
    follow_up = CaseDeadline.objects.filter(case=case, kind=K.FOLLOW_UP, ended_at__isnull=True).first()
    if follow_up is None:
        return
    base = follow_up_base(obligation_dates, follow_up.started_at)
    follow_up.due_at = calendar.add_days(base, follow_up.days, follow_up.day_count)
    if follow_up.warned_at is None:
        follow_up.warn_at = calendar.warning_moment(follow_up.started_at, follow_up.due_at)
    follow_up.save(update_fields=["due_at", "warn_at"])


def lapse_pause(deadline: CaseDeadline) -> dt.timedelta:
    """The pause has run its full length: the clock runs again (its moments already count the pause).

    Returns how long it stood still. The caller holds the case's row lock and records the change.
    """
    stood = pause_shift(deadline)
    deadline.state, deadline.paused_at, deadline.pause_ends_at = DeadlineState.RUNNING, None, None
    deadline.save(update_fields=["state", "paused_at", "pause_ends_at"])
    return stood
