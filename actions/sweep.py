"""The deadline sweep's two handlers: what a batch of due warnings, and of due breaches, does
(flows.timers reads the due clocks and hands them over here, a batch at a time).

The same changes as one `record_change` per warning or breach (DESIGN.md §6) — the version bump,
the event continuing the case's hash chain and committing to the record's state, the case row's
chain head, the search outbox row, the notifications pushed on commit — written for the whole
batch at once: the cases locked in one query, the clocks marked in one UPDATE, the record's
state read once for all of them (`casework.record.current_states`), the events in one INSERT,
the case rows in one UPDATE, the outbox rows in one INSERT, the notifications in three
statements (`flows.notifications.notify_many`). So a batch costs the same number of statements
whatever its size.

Exactly once: the cases are locked first (in id order, as one case service locks one case;
PostgreSQL skips the cases someone else holds — another sweeper, or a person acting on the
case — and they stay due for the next sweep; on SQLite the IMMEDIATE write transaction is the
lock), then each clock is checked again under that lock: still open, not yet warned (breached),
running or with a pause that has run out. A pause that has run out (DEADLINE_PAUSE_MAX_DAYS) is
recorded first, case by case as today (`settle_lapsed_pause`): rare, and its own change.

A breach acts as the ladder's policy for the stage says (casework.ladder `Stage.breach`):
SUPERVISE adds a supervision order (督办) to the county; ESCALATE moves the case one rung, as
`actions.transitions.case_escalate` does for the system — the FSM transition, the clocks of the
stage left stopped and those of triage started (in bulk), the `escalate` event and its
notification — and then the process step for the batch (`flows.engine.follow_many`).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from viewflow.workflow.models import Task

from actions.changes import CHANGE_FIELDS
from actions.deadlines import settle_lapsed_pause
from actions.transitions import TRANSITION_FIELDS
from casework import bulk, clock, ladder, record
from casework import deadlines as clocks
from casework.audit import chain_event
from casework.choices import DeadlineState, NotificationKind
from casework.ladder import Breach, EventAction
from casework.models import Case, CaseDeadline, CaseEvent, SearchOutbox
from flows import deadlines, engine, inbox, notifications
from flows.deadlines import BREACH, WARNING

ESCALATION = ladder.TRANSITIONS["escalate"]
ESCALATION_DATA = {"reason": "deadline_breached", "automatic": True}


class _Batch:
    """The locked cases of a batch and their due clocks, and what the batch writes for them."""

    def __init__(self, kind: str, clock_ids: list[int], as_of: dt.datetime) -> None:
        # One query, in id order; on PostgreSQL the rows another transaction holds are skipped.
        case_ids = CaseDeadline.objects.filter(pk__in=clock_ids).values("case_id")
        locked = (Case.objects.select_for_update(skip_locked=True, of=("self",)).select_related("region")
                  .filter(pk__in=case_ids).order_by("pk"))
        self.cases: dict[int, Case] = {case.pk: case for case in locked}
        # Again under the lock: still due, still not fired (another sweeper may have been first).
        self.clocks: dict[int, CaseDeadline] = {}
        for deadline in deadlines.due(kind, as_of).filter(pk__in=clock_ids, case_id__in=list(self.cases)).order_by("pk"):
            self.clocks.setdefault(deadline.case_id, deadline)  # one stage clock per case; any other waits
        self.events: list[CaseEvent] = []
        self.outbox: list[SearchOutbox] = []
        self.notices: list[tuple] = []

    def settle_lapsed_pauses(self) -> None:
        paused = [case_id for case_id, deadline in self.clocks.items() if deadline.state == DeadlineState.PAUSED]
        for case_id in paused:
            settle_lapsed_pause(self.cases[case_id], self.clocks[case_id])
        if paused:
            inbox.sync(paused)  # a clock running again is due again in the inbox (rare: one round)

    def holders(self) -> dict[int, int | None]:
        """Who holds each case's open stage task (they hear of its deadline too): one query."""
        tasks = (Task.objects.filter(process__disputeprocess__case_id__in=list(self.clocks), flow_task_type="HUMAN",
                                     status__in=engine.OPEN_TASK)
                 .order_by("created").values_list("process__disputeprocess__case_id", "owner_id"))
        return dict(tasks)  # the newest open task's holder, as engine.open_stage_task finds it

    @staticmethod
    def bump(case: Case) -> None:
        """What `record_change` does to the case row before its event: the version, the moment."""
        case.version += 1
        case.updated_at = clock.now()

    @staticmethod
    def states(cases: list[Case]) -> dict[int, record.State | None]:
        """The state of each case's record as the batch leaves it now (the case rows as in memory)."""
        if not getattr(settings, "AUDIT_STATE_DIGEST", True) or not cases:
            return {case.pk: None for case in cases}
        return record.current_states([c.pk for c in cases], case_rows={c.pk: record.case_values(c) for c in cases})

    @staticmethod
    def restates(cases: list[Case], before: dict[int, record.State | None], model) -> dict[int, record.State | None]:
        """`before` (each case's state earlier in the batch) after the batch wrote only `model`'s
        rows and the case rows: those two parts read again, the others as they were."""
        if not getattr(settings, "AUDIT_STATE_DIGEST", True) or not cases:
            return {case.pk: None for case in cases}
        return record.restated({c.pk: before[c.pk] for c in cases}, labels={model._meta.label_lower},
                               case_rows={c.pk: record.case_values(c) for c in cases})

    def event(self, case: Case, action: str, *, state: record.State | None, source: str | None = None,
              note: str = "", data: dict | None = None, notify: str | None = None,
              also: tuple = ()) -> None:
        event = chain_event(case=case, actor=None, action=action, note=note, data=data,
                            source=case.status if source is None else source, state=state)
        self.events.append(event)
        self.outbox.append(SearchOutbox(case=case, version=case.version, created_at=event.created_at))
        if notify:
            self.notices.append((case, notify, event, also))

    def write(self, fields=CHANGE_FIELDS) -> None:
        """The events, the case rows' chain heads, the outbox rows, the notifications: four INSERTs/UPDATEs
        and the three statements of `notify_many`, whatever the batch's size."""
        bulk.insert(self.events)
        bulk.update(list(self.cases_changed()), fields)
        bulk.insert(self.outbox)
        notifications.notify_many(self.notices)

    def cases_changed(self):
        seen = set()
        for event in self.events:
            if event.case_id not in seen:
                seen.add(event.case_id)
                yield self.cases[event.case_id]


def _mark(batch: _Batch, action: str, kind: str, *, then=None, **marks) -> tuple[list[Case], dict[int, record.State | None]]:
    """Mark the batch's clocks (`marks`, one UPDATE) and put `action` on each case's timeline, told
    to the township and the task's holder (`kind`); `then(case, deadline, state)` right after each
    case's event. The cases, and their states as the event left them."""
    holders = batch.holders()
    CaseDeadline.objects.filter(pk__in=[d.pk for d in batch.clocks.values()]).update(**marks)
    cases = [batch.cases[case_id] for case_id in batch.clocks]
    for case in cases:
        batch.bump(case)
    states = batch.states(cases)
    for case in cases:
        deadline = batch.clocks[case.pk]
        batch.event(case, action, state=states[case.pk], data={"deadline": deadline.kind, "due_at": deadline.due_at},
                    notify=kind, also=(holders.get(case.pk),))
        if then is not None:
            then(case, deadline, states[case.pk])
    return cases, states


@transaction.atomic
def warn_batch(clock_ids: list[int], *, as_of: dt.datetime) -> tuple[int, int]:
    """Two thirds of the time is gone (即将超期): a `deadline_warning` on each case's timeline, told
    to the township and the task's holder; the clock marked warned. (warned, left alone)."""
    batch = _Batch(WARNING, clock_ids, as_of)
    batch.settle_lapsed_pauses()
    if not batch.clocks:
        return 0, len(clock_ids)
    cases, _states = _mark(batch, EventAction.DEADLINE_WARNING, NotificationKind.DEADLINE_WARNING,
                           warned_at=clock.now())
    batch.write()
    return len(cases), len(clock_ids) - len(cases)


@transaction.atomic
def breach_batch(clock_ids: list[int], *, as_of: dt.datetime) -> tuple[int, int]:
    """The time is up (已超期): a `deadline_breached` on each case's timeline, told as a warning is;
    the clock marked breached; then the stage's breach policy: a supervision order to the county,
    or one rung up (village → township triage) as the system. (breached, left alone)."""
    batch = _Batch(BREACH, clock_ids, as_of)
    batch.settle_lapsed_pauses()
    if not batch.clocks:
        return 0, len(clock_ids)
    policy = {case_id: ladder.STAGES[batch.cases[case_id].status].breach for case_id in batch.clocks}

    def supervise(case: Case, deadline: CaseDeadline, state: record.State | None) -> None:
        if policy[case.pk] == Breach.SUPERVISE:
            batch.bump(case)  # the order changes nothing but the case row: the other parts stand
            batch.event(case, EventAction.SUPERVISION_ORDER, state=record.with_case_row(state, case)
                        if state else None, data={"deadline": deadline.kind, "to": "county"},
                        notify=NotificationKind.SUPERVISION_ORDER)

    cases, states = _mark(batch, EventAction.DEADLINE_BREACHED, NotificationKind.DEADLINE_BREACHED, then=supervise,
                          state=DeadlineState.BREACHED, breached_at=clock.now())
    rising = [case for case in cases if policy[case.pk] == Breach.ESCALATE]
    if rising:
        _escalate(batch, rising, states)
    batch.write(fields=(*TRANSITION_FIELDS, *CHANGE_FIELDS) if rising else CHANGE_FIELDS)
    if rising:
        _follow(rising)
    return len(cases), len(clock_ids) - len(cases)


def _escalate(batch: _Batch, cases: list[Case], before: dict[int, record.State | None]) -> None:
    """`case_escalate(actor=None, reason="deadline_breached", automatic=True)` for these cases, in
    bulk: the FSM transition, the clocks (`on_status_change`), the event with its notification.
    The case rows are written with the batch's; the process moves after (`_follow`)."""
    at = clock.now()
    sources = {}
    by_target: dict[str, list[Case]] = defaultdict(list)
    for case in cases:
        sources[case.pk] = case.status
        case.escalate()  # the pure FSM method: refuses a case not in an escalatable status
        by_target[case.status].append(case)
    clocks.stop_stage_clocks_many(case_ids=[c.pk for c in cases], at=at)
    for status, entering in by_target.items():
        for kind in ladder.clocks_for(status):
            clocks.start_clocks_many(cases=entering, kind=kind, at=at)
    for case in cases:
        batch.bump(case)
    states = batch.restates(cases, before, CaseDeadline)
    for case in cases:
        batch.event(case, EventAction.ESCALATE, state=states[case.pk], source=sources[case.pk],
                    note=ESCALATION_DATA["reason"], data=ESCALATION_DATA, notify=ESCALATION.notify)


def _follow(cases: list[Case]) -> None:
    """The process step of the escalated cases: their village task completed, triage's opened."""
    engine.follow_many(cases, None)
    inbox.sync([case.pk for case in cases])  # the village task closed, triage's open with its new clock
