"""What the flow tests share: driving a case through the API, and checking that the viewflow
process agrees with the case after every step.

The expectations are restated here by hand (which clock a status runs, which body's queue
works it), independently of flows/, so that a drift on either side shows as a failure.
"""
from __future__ import annotations

import datetime as dt
import io
import re

from django.core.management import call_command
from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS, STATUS

from casework import ladder
from casework.models import Case, CaseDeadline, CaseEvent
from flows import engine
from flows.deadlines import BREACH, WARNING, due
from flows.models import DisputeProcess
from mediation.choices import OrganizationKind
from mediation.models import Organization
from tests.conftest import days_from_today, filing_body, in_force

CASES = "/api/v1/cases/"
TASKS = "/api/v1/tasks/"
OPEN = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]
FINISHED = {STATUS.CANCELED, STATUS.DONE}

# DESIGN.md §2: the clock each open status runs.
CLOCK_OF_STATUS = {
    "reported": "acceptance",
    "village_mediation": "village_mediation",
    "township_triage": "township_triage",
    "township_mediation": "township_mediation",
    "referred": "referral_feedback",
    "agreed": "follow_up",
}

AGREEMENT = {"terms": "责任方承担维修费800元，分两期支付", "obligations": [
    {"description": "支付第一期400元", "due_date": days_from_today(45).isoformat()},
    {"description": "支付第二期400元", "due_date": days_from_today(76).isoformat()},
]}
# The obligations above are not due yet: closing early says why.
CLOSING = {"fulfilled": True, "satisfaction": "satisfied", "note": "回访：义务已提前履行完毕。"}


def file_via_api(api, who: str = "grid1", **overrides) -> int:
    response = api(who).post(CASES, filing_body(**overrides), format="json")
    assert response.status_code == 201, response.data
    return response.data["id"]


def fire(api, who: str, case_id: int, name: str, body: dict | None = None) -> dict:
    if name == "record_agreement" and body is AGREEMENT:
        body = in_force(case_id, body)  # signed and sealed, so it can be followed up and closed
    response = api(who).post(f"{CASES}{case_id}/transitions/{name}/", body or {}, format="json")
    assert response.status_code == 200, (who, name, response.status_code, response.data)
    return response.data


def process_of(case_id: int) -> DisputeProcess:
    return DisputeProcess.objects.get(case_id=case_id)


def village_committee_of(case: Case) -> Organization:
    return Organization.objects.get(kind=OrganizationKind.VILLAGE_COMMITTEE, region=case.region.parent)


def township_center_of(case: Case) -> Organization:
    return Organization.objects.get(kind=OrganizationKind.GOVERNANCE_CENTER, region=case.region.parent.parent)


MICROSECOND = dt.timedelta(microseconds=1)


def sweep_moments(deadline: CaseDeadline) -> dict[str, dt.datetime]:
    """When the deadline sweep takes the clock's warning and its breach (flows.deadlines.due, the
    query it reads): the first of the clock's own moments at which it is due, checked to be not due
    a microsecond before. A kind already fired, or a clock standing still with no end, is absent."""
    out = {}
    for kind, field in ((WARNING, "warn_at"), (BREACH, "due_at")):
        for moment in sorted(m for m in (getattr(deadline, field), deadline.pause_ends_at) if m is not None):
            if due(kind, moment).filter(pk=deadline.pk).exists():
                assert not due(kind, moment - MICROSECOND).filter(pk=deadline.pk).exists(), (kind, moment)
                out[kind] = moment
                break
    return out


def stage_clock(case: Case) -> CaseDeadline:
    """The one open clock of the stage the case is in."""
    return CaseDeadline.objects.get(case=case, kind=CLOCK_OF_STATUS[case.status], ended_at__isnull=True)


def assert_process_follows(case_id: int, status: str, queue: str | None, *, owner: str | None = "any") -> Task | None:
    """The process agrees with the case: one open stage task for its status, in the right queue,
    no timer in the process, the stage clock due for the sweep at its warning and due moments;
    a closed case has no open task and a finished process.

    queue: "village" | "township" | None (closed). owner: a username, None (unclaimed) or "any".
    """
    case = Case.objects.select_related("region__parent__parent").get(pk=case_id)
    assert case.status == status, (case.status, status)
    process = process_of(case_id)
    tasks = Task.objects.filter(process=process)
    open_human = list(tasks.filter(flow_task_type="HUMAN", status__in=OPEN))
    timers = list(tasks.filter(flow_task_type="TIMER"))

    if status == "closed":
        assert open_human == [], [(t.flow_task.name, t.status) for t in open_human]
        assert engine.open_stage_task(process.pk) is None
        assert process.status == PROCESS.DONE, process.status
        assert process.finished is not None
        assert timers == [], [(t.flow_task.name, t.status) for t in timers]
        assert not CaseDeadline.objects.filter(case=case, ended_at__isnull=True).exclude(
            kind__in=ladder.DETACHED_CLOCKS).exists()
        return None

    assert process.status == PROCESS.NEW, process.status
    assert len(open_human) == 1, [(t.flow_task.name, t.status) for t in open_human]
    task = engine.open_stage_task(process.pk)
    assert task == open_human[0]
    assert ladder.STAGE_BY_TASK[task.flow_task.name].status == case.status, (task.flow_task.name, case.status)

    expected_queue = {"village": village_committee_of, "township": township_center_of}[queue](case)
    assert task.owner_permission == "flows.work_queue"
    assert task.owner_permission_obj == expected_queue, (task.owner_permission_obj, expected_queue)
    if owner != "any":
        assert (task.owner.username if task.owner_id else None) == owner

    # The process carries no timers: the stage clock is the schedule the sweep reads, due at
    # exactly its warning and due moments (the older clocks have ended).
    assert timers == [], [(t.flow_task.name, t.status) for t in timers]
    clock_ = stage_clock(case)
    moments = sweep_moments(clock_)
    if clock_.state == "running":
        assert moments.get(BREACH) == clock_.due_at, (moments, clock_.due_at)
        assert moments.get(WARNING) == (None if clock_.warned_at else clock_.warn_at), (moments, clock_.warn_at)
    return task


def events(case_id: int) -> list[tuple[str, int | None]]:
    return list(CaseEvent.objects.filter(case_id=case_id).order_by("seq").values_list("action", "actor_id"))


def actions(case_id: int) -> list[str]:
    return [action for action, _ in events(case_id)]


def fire_deadlines(as_of: dt.datetime, *, dry_run: bool = False) -> str:
    out = io.StringIO()
    call_command("fire_deadlines", as_of=as_of.isoformat(), dry_run=dry_run, stdout=out)
    return out.getvalue()


def fired(out: str) -> tuple[int, int, int]:
    """(fired, skipped, failed) from the command's report."""
    match = re.match(r"(\d+) deadline\(s\) fired as of .*; (\d+) skipped, (\d+) failed", out)
    assert match, out
    return int(match[1]), int(match[2]), int(match[3])


def clock_of_case(case_id: int) -> CaseDeadline:
    """The running clock of the case's current stage."""
    return stage_clock(Case.objects.get(pk=case_id))
