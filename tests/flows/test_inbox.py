"""The inbox's projection (flows.InboxEntry) against the query it replaced, and what a page costs.

The oracle is the inbox as it was computed before the projection: every open human task of a
queue, with its case's stage due moment as a correlated subquery over the clocks. After every
step of random sequences of actions — filings (high-risk ones too), claims, assignments, putting
back, transitions, pauses, resumptions, extensions, raised risks, agreements re-timed, time
passing and the deadline sweep firing warnings and breaches (escalations, supervision orders) —
the projection holds exactly the oracle's rows, and each view of the inbox lists them in the
oracle's order (nulls where the database puts them) for every kind of viewer.
"""
from __future__ import annotations

import datetime as dt
import importlib
import random
import zoneinfo

import pytest
from django.apps import apps as django_apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Exists, OuterRef, Q, Subquery
from django.test import Client
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from actions import services
from casework import clock, ladder
from casework.choices import DeadlineKind, Status
from casework.errors import Refused
from casework.models import Case, CaseDeadline, ticking
from flows import inbox
from flows import selectors as flow_selectors
from flows.models import InboxEntry
from flows.queues import queue_organizations
from mediation.models import Organization
from tests.conftest import agreement_in_force, api_client, days_from_today, file_case, frozen_clock, user
from tests.flows.helpers import fire_deadlines

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)
SECOND_VILLAGE_GRID_WORKER = "grid-33068110800201"  # 枫溪村, mediator2's village
REPORTERS = ["grid1", "grid1", SECOND_VILLAGE_GRID_WORKER, "grid2"]
STAFF = ["head1", "mediator1", "mediator2", "center1", "admin"]
VIEWERS = ["head1", "mediator1", "mediator2", "center1", "admin"]


# --- the oracle: the inbox as it was computed before the projection ---

def _old_stage_due() -> Subquery:
    clocks = (CaseDeadline.objects.filter(case=OuterRef("process__disputeprocess__case"), ended_at__isnull=True)
              .filter(ticking()).exclude(kind=DeadlineKind.JUDICIAL_CONFIRMATION)
              .order_by("due_at").values("due_at")[:1])
    return Subquery(clocks)


def old_open_tasks(org_ids: list[int] | None = None):
    tasks = Task.objects.filter(flow_task_type="HUMAN", status__in=[STATUS.NEW, STATUS.ASSIGNED],
                                owner_permission_content_type=ContentType.objects.get_for_model(Organization))
    if org_ids is not None:
        tasks = tasks.filter(owner_permission_obj_pk__in=[str(pk) for pk in org_ids])
    return tasks.annotate(due_at=_old_stage_due()).order_by("due_at", "pk")


def old_view(viewer, view: str) -> list[int]:
    tasks = old_open_tasks([org.pk for org in queue_organizations(viewer)])
    now = clock.now()
    named = Case.mediators.through.objects.filter(case_id=OuterRef("process__disputeprocess__case_id"),
                                                  user_id=viewer.pk)
    tasks = {"mine": lambda: tasks.filter(Q(owner=viewer) | Q(Exists(named))),
             "queue": lambda: tasks.filter(owner__isnull=True),
             "due_soon": lambda: tasks.filter(due_at__gte=now, due_at__lt=now + flow_selectors.DUE_SOON),
             "overdue": lambda: tasks.filter(due_at__lt=now)}.get(view, lambda: tasks)()
    return list(tasks.values_list("pk", flat=True))


def oracle_rows() -> set[tuple]:
    return {(pk, case_id, int(org), owner, flow_task.name, status, created, due_at)
            for pk, case_id, org, owner, flow_task, status, created, due_at in old_open_tasks().values_list(
                "pk", "process__disputeprocess__case_id", "owner_permission_obj_pk", "owner_id", "flow_task",
                "status", "created", "due_at")}


def projection_rows() -> set[tuple]:
    return set(InboxEntry.objects.values_list("task_id", "case_id", "organization_id", "owner_id", "stage", "status",
                                              "created", "due_at"))


def assert_projection_matches(step: str) -> None:
    expected, found = oracle_rows(), projection_rows()
    assert found == expected, f"after {step}: missing {expected - found}, stale {found - expected}"
    for username in VIEWERS:
        viewer = user(username)
        for view in flow_selectors.INBOX_VIEWS:
            listed = list(flow_selectors.inbox(viewer=viewer, view=view).values_list("task_id", flat=True))
            assert listed == old_view(viewer, view), (step, username, view)


# --- random sequences of actions ---

def _open_case(rng: random.Random, *statuses: str) -> Case:
    cases = Case.objects.exclude(status=Status.CLOSED)
    if statuses:
        cases = cases.filter(status__in=statuses)
    ids = list(cases.order_by("pk").values_list("pk", flat=True))
    if not ids:
        raise Refused("no such case yet")
    return Case.objects.get(pk=rng.choice(ids))


def _entry(rng: random.Random) -> InboxEntry:
    ids = list(InboxEntry.objects.order_by("task_id").values_list("task_id", flat=True))
    if not ids:
        raise Refused("no open task")
    return InboxEntry.objects.get(task_id=rng.choice(ids))


TRANSITION_INPUT = {
    "resolve_on_spot": lambda case, rng: {"note": "当场调解，双方和解"},
    "accept": lambda case, rng: {"mediators": [user(rng.choice(["mediator1", "mediator2", "head1"]))]},
    "decline": lambda case, rng: {"reason": "不属于人民调解范围", "advised_channel": "court"},
    "escalate": lambda case, rng: {"reason": "村级调解难度大"},
    "triage_to_mediation": lambda case, rng: {},
    "return_to_village": lambda case, rng: {"note": "请村调委会继续调解"},
    "refer": lambda case, rng: {"channel": "arbitration", "receiving_body": "诸暨市劳动人事争议仲裁委员会"},
    "record_agreement": lambda case, rng: (
        agreement_in_force(case, due_in_days=rng.choice([0, 5, 40])) if rng.random() < 0.7 else
        {"terms": "分期赔偿", "obligations": [{"description": "付款", "due_date": days_from_today(rng.choice([3, 50]))}]}),
    "record_referral_outcome": lambda case, rng: {"resolved": rng.random() < 0.5, "reply": "仲裁委已受理并调解"},
    "reopen": lambda case, rng: {"reason": "一方反悔"},
    "close": lambda case, rng: {"fulfilled": True, "satisfaction": "satisfied", "note": "回访：已履行"},
    "withdraw": lambda case, rng: {"note": "申请人撤回"},
    "merge": lambda case, rng: {"into": _open_case(rng).pk},
}


def step_file(rng):
    file_case(rng.choice(REPORTERS), risk_level=rng.choice(["normal"] * 6 + ["elevated", "high"]))


def step_transition(rng):
    case = _open_case(rng)
    actor = user(rng.choice(STAFF))
    allowed = [n for n in ladder.allowed_transitions(case, actor) if n in TRANSITION_INPUT]
    if not allowed:
        raise Refused("nothing to fire")
    name = rng.choice(allowed)
    services.SERVICES[name](case_id=case.pk, actor=actor, **TRANSITION_INPUT[name](case, rng))


def step_claim(rng):
    entry = _entry(rng)
    services.task_claim(task_id=entry.task_id, actor=user(rng.choice(STAFF)))


def step_assign(rng):
    entry = _entry(rng)
    services.task_assign(task_id=entry.task_id, actor=user(rng.choice(["head1", "center1", "admin"])),
                         assignee=user(rng.choice(["mediator1", "mediator2", "head1", "center1"])))


def step_unassign(rng):
    entry = _entry(rng)
    services.task_unassign(task_id=entry.task_id, actor=user(rng.choice(STAFF)))


def step_pause(rng):
    case = _open_case(rng)
    services.case_pause_clock(case_id=case.pk, actor=user(rng.choice(STAFF)), reason="当事人外出务工，联系不上")


def step_resume(rng):
    case = _open_case(rng)
    services.case_resume_clock(case_id=case.pk, actor=user(rng.choice(STAFF)))


def step_extend(rng):
    case = _open_case(rng, Status.VILLAGE_MEDIATION, Status.TOWNSHIP_MEDIATION)
    services.case_extend_deadline(case_id=case.pk, actor=user(rng.choice(STAFF)), reason="双方同意延长",
                                  parties_consent=True)


def step_raise_risk(rng):
    case = _open_case(rng)
    services.case_raise_risk(case_id=case.pk, actor=user(rng.choice(STAFF)), reason="有激化苗头",
                             risk_level=rng.choice(["elevated", "high"]))


def step_complete_agreement(rng):
    case = _open_case(rng, Status.AGREED)
    services.agreement_complete(case_id=case.pk, actor=user(rng.choice(STAFF)), obligations=[
        {"description": "付款", "due_date": days_from_today(rng.choice([10, 60]))}])


STEPS = [(step_file, 5), (step_transition, 8), (step_claim, 3), (step_assign, 2), (step_unassign, 2),
         (step_pause, 2), (step_resume, 2), (step_extend, 1), (step_raise_risk, 1), (step_complete_agreement, 1)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_projection_equals_the_correlated_query_after_any_sequence_of_actions(demo, seed):
    rng = random.Random(seed)
    steps = [step for step, weight in STEPS for _ in range(weight)]
    elapsed = dt.timedelta(0)
    done: dict[str, int] = {}
    # given the clock stopped, moved on by the walk itself
    with frozen_clock(START):
        for i in range(70):
            # when a random action is taken (a refused one changes nothing), or time passes and
            # the sweep fires what is due
            if rng.random() < 0.12:
                elapsed += dt.timedelta(days=rng.choice([1, 3, 8, 20]))
                step = "sweep"
            else:
                step = rng.choice(steps).__name__
            with clock.travel_to(START + elapsed):
                try:
                    if step == "sweep":
                        fire_deadlines(clock.now())
                    else:
                        globals()[step](rng)
                    done[step] = done.get(step, 0) + 1
                except Refused:
                    pass
                # then the projection holds what the old query computes, in its order
                assert_projection_matches(f"step {i}: {step}")
    # and the walk really did the things it is meant to check
    assert {"step_file", "step_transition", "step_claim", "sweep"} <= set(done), done
    assert InboxEntry.objects.exists()


@pytest.mark.parametrize("risk_level", ["normal", "elevated", "high"])
def test_a_filing_writes_the_rows_sync_would_without_reading_them(demo, risk_level):
    # given filings in each reporter's grid (a normal one writes its rows from memory: inbox.add)
    cases = [file_case(reporter, risk_level=risk_level) for reporter in REPORTERS]

    # then the projection holds what the old query computes
    assert_projection_matches(f"{risk_level} filings")
    before = projection_rows()

    # and recomputing it from the database changes nothing
    inbox.sync([case.pk for case in cases])
    assert projection_rows() == before
    assert {row[1] for row in before} == {case.pk for case in cases}


def test_sync_recomputes_in_a_constant_number_of_statements(demo):
    # given open tasks of several cases, and the projection emptied behind their back
    cases = [file_case("grid1").pk for _ in range(6)]
    InboxEntry.objects.all().delete()

    # when one case, then all six, then a closed one are synced
    with CaptureQueriesContext(connection) as one:
        inbox.sync(cases[:1])
    with CaptureQueriesContext(connection) as six:
        inbox.sync(cases)
    services.case_withdraw(case_id=cases[0], actor=user("head1"), note="申请人撤回")
    with CaptureQueriesContext(connection) as closed:
        inbox.sync(cases[:1])

    # then each costs the same statements: read, delete, write (no write when nothing is open)
    assert len(one) == len(six) == 3, [q["sql"] for q in six.captured_queries]
    assert len(closed) == 2
    assert projection_rows() == oracle_rows()
    assert InboxEntry.objects.count() == 5


def test_rebuild_recomputes_the_whole_projection(demo):
    for status in ("reported", "reported", "township_triage"):
        case = file_case("grid1")
        if status == "township_triage":
            services.case_escalate(case_id=case.pk, actor=user("head1"), reason="村级调解难度大")
    expected = projection_rows()
    InboxEntry.objects.filter(case_id=case.pk).update(due_at=None, owner=user("head1"))

    assert inbox.rebuild() == 3
    assert projection_rows() == expected == oracle_rows()


def test_the_migration_fills_the_projection_from_the_open_tasks(demo):
    # given open tasks, one claimed and one in the center's queue, and an empty projection
    cases = [file_case("grid1") for _ in range(3)]
    services.task_claim(task_id=InboxEntry.objects.get(case=cases[0]).task_id, actor=user("mediator1"))
    services.case_escalate(case_id=cases[1].pk, actor=user("head1"), reason="村级调解难度大")
    services.case_pause_clock(case_id=cases[2].pk, actor=user("head1"), reason="当事人外出务工，联系不上")
    expected = projection_rows()
    InboxEntry.objects.all().delete()

    # when the data migration runs (on the current models, which its historical ones mirror)
    importlib.import_module("flows.migrations.0005_inbox_entry").fill(django_apps, None)

    # then it wrote what sync keeps
    assert projection_rows() == expected == oracle_rows()


# --- what a page of the inbox costs ---

def grow_tasks(total: int) -> None:
    """Open tasks up to `total` in 枫桥镇, so that every view of every viewer below has rows: filed
    now, a day ago (due soon) and ten days ago (overdue); some escalated to the center and claimed
    there, some claimed by mediator1, the rest waiting in 枫源村's or 枫溪村's queue."""
    i = InboxEntry.objects.count()
    while InboxEntry.objects.count() < total:
        with clock.travel_to(clock.now() - dt.timedelta(days=(0, 10, 1, 10, 0)[i % 5])):
            case = file_case(REPORTERS[i % 3])
            if i % 4 == 0:
                services.case_escalate(case_id=case.pk, actor=user("head1" if i % 2 else "admin"), reason="村级调解难度大")
                if i % 8 == 0:
                    services.task_claim(task_id=InboxEntry.objects.get(case=case).task_id, actor=user("center1"))
            elif i % 4 == 1 and REPORTERS[i % 3] == "grid1":
                services.task_claim(task_id=InboxEntry.objects.get(case=case).task_id, actor=user("mediator1"))
        i += 1


def page_statements() -> dict[str, int]:
    counts = {}
    for who in ("head1", "mediator1", "center1"):
        client = api_client(who)
        for view in flow_selectors.INBOX_VIEWS:
            with CaptureQueriesContext(connection) as captured:
                response = client.get(f"/api/v1/tasks/?view={view}")
            assert response.status_code == 200, response.data
            counts[f"api {who} {view}"] = len(captured)
    for who in ("head1", "center1"):
        browser = Client()
        browser.force_login(user(who))
        browser.get("/inbox/?view=all")  # the session exists before the page we count
        for view in ("mine", "all"):
            with CaptureQueriesContext(connection) as captured:
                response = browser.get(f"/inbox/?view={view}")
            assert response.status_code == 200
            counts[f"ui {who} {view}"] = len(captured)
    return counts


# API: the token with its user, the viewer's roles, their rosters (+ the township centers they
# staff, for center1), the count, the page — with no page statement when the view is empty
# (head1 holds nothing, center1 has nothing due soon). The UI page adds the session, the counts
# of every tab in one statement, the case's mediators and open clocks, and the queue rosters.
PINNED = {
    "api head1 mine": 4, "api head1 queue": 5, "api head1 due_soon": 5, "api head1 overdue": 5, "api head1 all": 5,
    "api mediator1 mine": 5, "api mediator1 queue": 5, "api mediator1 due_soon": 5, "api mediator1 overdue": 5,
    "api mediator1 all": 5,
    "api center1 mine": 6, "api center1 queue": 6, "api center1 due_soon": 5, "api center1 overdue": 6,
    "api center1 all": 6,
    "ui head1 mine": 11, "ui head1 all": 14, "ui center1 mine": 17, "ui center1 all": 17,
}


def test_an_inbox_page_costs_the_same_statements_with_few_and_with_many_tasks(demo):
    # given a few open tasks
    grow_tasks(12)
    few = page_statements()

    # when there are many more
    grow_tasks(60)
    many = page_statements()

    # then every page costs exactly as many statements as before, and as pinned
    assert many == few, {k: (few[k], many[k]) for k in few if few[k] != many[k]}
    assert few == PINNED
