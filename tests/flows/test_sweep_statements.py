"""What a batch of the deadline sweep costs in SQL: a fixed number of statements, whatever the
number of due clocks in it (up to a batch), the number of cases in the database, or how many
people hear of each (cases in different villages and townships, with and without a task holder).

Each handler (actions.sweep) is called on one due clock, then on a few from several villages,
then on many copies of one case, with more and more cases in the database; every count is the
same pinned number: the warnings', the township breaches' (supervision orders) and the village
breaches' (escalations, with the process step of the batch, `flows.engine.follow_many`).
"""
from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from actions import sweep
from casework import clock
from casework.choices import Status
from casework.models import Case, CaseDeadline, CaseEvent
from flows import deadlines
from flows.models import Notification
from tests.bulk import clone_filed_case
from tests.conftest import bring_to, file_case
from tests.flows.helpers import assert_process_follows

MINUTE = dt.timedelta(minutes=1)
MANY = 40
# Counted inside the test's transaction, so the handler's own is a SAVEPOINT and its RELEASE (2 of
# them, where a sweep has BEGIN and COMMIT): the lock (1), the clocks again under it (1), the task
# holders (1), the clocks marked (1), the record's state (one per part of the record and per
# many-to-many: 15 today), the events, case rows and outbox rows (3), the notifications (3).
WARNING_BATCH_STATEMENTS = 27
SUPERVISION_BATCH_STATEMENTS = 27
# An escalation adds: the triage rules and holidays (2), the clocks stopped (2) and started (1),
# the clocks' part of the record read again (1: the other parts are as the breach left them), the
# process step (flows.engine.follow_many; the triage queues' bodies are held per process:
# mediation.reference) and the inbox's projection of the escalated cases (flows.inbox.sync, 2).
ESCALATION_BATCH_STATEMENTS = 40
GRIDS = ["grid1", "grid-33068110800201", "grid-33068110800301"]  # three villages of 枫桥镇


def statements(handler, clock_ids: list[int], as_of: dt.datetime) -> tuple[int, tuple[int, int]]:
    with clock.travel_to(as_of), CaptureQueriesContext(connection) as captured:
        outcome = handler(clock_ids, as_of=as_of)
    return len(captured.captured_queries), outcome


def due_ids(kind: str, as_of: dt.datetime, case_ids) -> list[int]:
    return list(deadlines.due(kind, as_of).filter(case_id__in=case_ids).order_by("pk").values_list("pk", flat=True))


def test_a_warning_batch_costs_the_same_statements_for_one_clock_or_many(demo):
    # given cases filed in two villages, one in mediation (its task held by the mediator, who is
    # told too), and many copies of one
    cases = [bring_to(Status.VILLAGE_MEDIATION), file_case(GRIDS[1]), file_case(GRIDS[0])]
    copies = clone_filed_case(cases[2], MANY)  # numbered after the last one filed
    as_of = max(CaseDeadline.objects.filter(ended_at__isnull=True).values_list("warn_at", flat=True)) + MINUTE

    # when the handler warns one clock, then the three villages' clocks, then the many copies
    one = statements(sweep.warn_batch, due_ids("warning", as_of, [cases[1].pk]), as_of)
    few = statements(sweep.warn_batch, due_ids("warning", as_of, [cases[0].pk, cases[2].pk]), as_of)
    many = statements(sweep.warn_batch, due_ids("warning", as_of, copies), as_of)

    # then each warned what it was given, in the same number of statements
    assert [one[1], few[1], many[1]] == [(1, 0), (2, 0), (MANY, 0)]
    assert one[0] == few[0] == many[0] == WARNING_BATCH_STATEMENTS
    assert CaseEvent.objects.filter(action="deadline_warning").count() == MANY + 3
    # and the mediator holding the mediation task heard of it, beside the township
    assert Notification.objects.filter(kind="deadline_warning", case=cases[0], recipient__username="mediator1").exists()


def test_a_supervision_batch_costs_the_same_statements_for_one_clock_or_many(demo):
    # given cases in township triage: escalated by the sweep itself (copies of one case, and two others)
    cases = [file_case(grid) for grid in reversed(GRIDS)]
    copies = clone_filed_case(cases[-1], MANY)  # numbered after the last one filed
    everyone = [c.pk for c in cases] + copies
    first = max(CaseDeadline.objects.values_list("due_at", flat=True)) + MINUTE
    with clock.travel_to(first):
        from flows.timers import fire_due

        fire_due(as_of=first)
    assert set(Case.objects.filter(pk__in=everyone).values_list("status", flat=True)) == {"township_triage"}
    as_of = max(CaseDeadline.objects.filter(kind="township_triage").values_list("due_at", flat=True)) + MINUTE

    # when the handler breaches one triage clock, then two villages', then the many copies'
    one = statements(sweep.breach_batch, due_ids("breach", as_of, [cases[1].pk]), as_of)
    few = statements(sweep.breach_batch, due_ids("breach", as_of, [cases[0].pk, cases[2].pk]), as_of)
    many = statements(sweep.breach_batch, due_ids("breach", as_of, copies), as_of)

    # then each raised its supervision orders, in the same number of statements
    assert [one[1], few[1], many[1]] == [(1, 0), (2, 0), (MANY, 0)]
    assert one[0] == few[0] == many[0] == SUPERVISION_BATCH_STATEMENTS
    assert CaseEvent.objects.filter(action="supervision_order").count() == MANY + 3


def test_an_escalation_batch_costs_the_same_statements_for_one_clock_or_many(demo):
    # given village cases past their acceptance due moment: in two villages, and many copies of one
    cases = [file_case(grid) for grid in reversed(GRIDS)]
    copies = clone_filed_case(cases[-1], MANY)  # numbered after the last one filed
    as_of = max(CaseDeadline.objects.values_list("due_at", flat=True)) + MINUTE

    # when the handler breaches one clock, then two villages', then the many copies'
    one = statements(sweep.breach_batch, due_ids("breach", as_of, [cases[1].pk]), as_of)
    few = statements(sweep.breach_batch, due_ids("breach", as_of, [cases[0].pk, cases[2].pk]), as_of)
    many = statements(sweep.breach_batch, due_ids("breach", as_of, copies), as_of)

    # then each escalated its cases to township triage, process and all, in the same number of statements
    assert [one[1], few[1], many[1]] == [(1, 0), (2, 0), (MANY, 0)]
    assert one[0] == few[0] == many[0] == ESCALATION_BATCH_STATEMENTS
    everyone = [c.pk for c in cases] + copies
    assert set(Case.objects.filter(pk__in=everyone).values_list("status", flat=True)) == {"township_triage"}
    for case in cases:
        assert_process_follows(case.pk, "township_triage", "township", owner=None)
    assert CaseEvent.objects.filter(action="escalate", case_id__in=everyone).count() == MANY + 3
