"""Every path through the ladder, walked through the HTTP API: after each step the viewflow
process agrees with the case (DESIGN.md §2, §4 — "the process follows every case transition").

After every step: exactly one open stage task while the case is open, standing for the case's
status, in the queue of the body that works that rung, with its warning and breach timers
armed at the stage clock's moments and every older stage's timers finished; once the case is
closed, no open task and a finished process.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from viewflow.workflow.models import Task

from tests.flows.helpers import AGREEMENT, CLOSING, assert_process_follows, file_via_api, fire, process_of


@dataclass(frozen=True)
class Step:
    who: str
    transition: str
    status: str  # the case status expected after the step
    queue: str | None  # "village" | "township" | None (closed)
    body: dict = field(default_factory=dict)
    owner: str | None = "any"  # who the new stage task is assigned to, when it matters
    outcome: str = ""


ACCEPT = Step("head1", "accept", "village_mediation", "village", {"mediators": ["mediator1"]}, owner="mediator1")
ESCALATE = Step("head1", "escalate", "township_triage", "township", {"reason": "涉及多户，村级调解难度大"}, owner=None)
TRIAGE = Step("center1", "triage_to_mediation", "township_mediation", "township", owner=None)
REFER = Step("center1", "refer", "referred", "township",
             {"channel": "arbitration", "receiving_body": "诸暨市劳动人事争议仲裁委员会"}, owner=None)


def agree(who: str, queue: str) -> Step:
    return Step(who, "record_agreement", "agreed", queue, AGREEMENT, owner=None)


def close(who: str, outcome: str) -> Step:
    return Step(who, "close", "closed", None, CLOSING, outcome=outcome)


PATHS: dict[str, list[Step]] = {
    "settled on the spot": [
        Step("grid1", "resolve_on_spot", "closed", None, {"note": "当场协调，双方握手言和"}, outcome="resolved_grid"),
    ],
    "settled in the village": [ACCEPT, agree("mediator1", "village"), close("mediator1", "resolved_village")],
    "declined with a channel": [
        Step("head1", "decline", "closed", None, {"reason": "属劳动争议，应申请劳动仲裁", "advised_channel": "arbitration"},
             outcome="declined"),
    ],
    "escalated by the village and settled at the township": [
        ACCEPT, ESCALATE, TRIAGE, agree("center1", "township"), close("center1", "resolved_township"),
    ],
    "referred to arbitration and resolved on its reply": [
        ESCALATE, REFER,
        Step("center1", "record_referral_outcome", "closed", None, {"resolved": True, "reply": "仲裁庭调解结案"},
             outcome="resolved_channel"),
    ],
    "referred from township mediation and unresolved on its reply": [
        ESCALATE, TRIAGE, REFER,
        Step("center1", "record_referral_outcome", "closed", None, {"resolved": False, "reply": "申请人未到庭，按撤回处理"},
             outcome="unresolved"),
    ],
    "agreed through the channel and closed after the follow-up visit": [
        ESCALATE, REFER, agree("center1", "township"), close("center1", "resolved_channel"),
    ],
    "agreement reneged in the village and reopened": [
        ACCEPT, agree("mediator1", "village"),
        Step("head1", "reopen", "village_mediation", "village", {"reason": "被申请人反悔，拒绝付款"}, owner="mediator1"),
        agree("mediator1", "village"), close("head1", "resolved_village"),
    ],
    "agreement reneged at the township and reopened": [
        ESCALATE, TRIAGE, agree("center1", "township"),
        Step("center1", "reopen", "township_mediation", "township", {"reason": "第一期款项逾期未付"}, owner=None),
        agree("center1", "township"), close("center1", "resolved_township"),
    ],
    "returned to the village with guidance and settled there": [
        ESCALATE,
        Step("center1", "return_to_village", "village_mediation", "village", {"note": "属一般邻里纠纷，请村调委会就地调处"},
             owner=None),
        agree("head1", "village"), close("head1", "resolved_village"),
    ],
    "accepted, escalated, returned to the village and assigned to the accepting mediator again": [
        ACCEPT, ESCALATE,
        Step("center1", "return_to_village", "village_mediation", "village", {"note": "请原调解员继续调处"},
             owner="mediator1"),
        agree("mediator1", "village"), close("mediator1", "resolved_village"),
    ],
}


@pytest.mark.parametrize("path", list(PATHS), ids=list(PATHS))
def test_process_follows_the_case_at_every_step_of_the_path(demo, api, path):
    # given a case filed by grid1 through the API: the village acceptance task is in 枫源村's queue
    case_id = file_via_api(api)
    assert_process_follows(case_id, "reported", "village", owner=None)

    for step in PATHS[path]:
        # when the next transition of the path is fired through the API
        data = fire(api, step.who, case_id, step.transition, step.body)

        # then the case moved, and the process with it
        assert data["status"] == step.status
        if step.outcome:
            assert data["outcome"] == step.outcome
        assert_process_follows(case_id, step.status, step.queue, owner=step.owner)


def test_high_risk_filing_goes_straight_to_township_triage_and_never_opens_a_village_task(demo, api):
    # given a high-risk dispute (threat of violence) filed through the API
    case_id = file_via_api(api, risk_level="high")

    # then the process starts at township triage, in the center's queue, with the triage clock's timers
    assert_process_follows(case_id, "township_triage", "township", owner=None)
    names = set(Task.objects.filter(process=process_of(case_id)).values_list("flow_task", flat=True))
    assert not any(name.endswith("village_acceptance") for name in map(str, names)), names

    # and it follows the township path to the end
    for step in [TRIAGE, agree("center1", "township"), close("center1", "resolved_township")]:
        fire(api, step.who, case_id, step.transition, step.body)
        assert_process_follows(case_id, step.status, step.queue, owner=step.owner)


# How to reach each open status, and who withdraws from there.
TO_STATUS: dict[str, tuple[list[Step], str]] = {
    "reported": ([], "head1"),
    "village_mediation": ([ACCEPT], "head1"),
    "township_triage": ([ESCALATE], "center1"),
    "township_mediation": ([ESCALATE, TRIAGE], "center1"),
    "referred": ([ESCALATE, REFER], "center1"),
    "agreed": ([ACCEPT, agree("mediator1", "village")], "head1"),
}


@pytest.mark.parametrize("status", list(TO_STATUS))
def test_withdrawal_from_each_open_status_ends_the_process(demo, api, status):
    # given a case brought to `status` through the API, the process in step at every move
    case_id = file_via_api(api)
    prefix, withdrawer = TO_STATUS[status]
    for step in prefix:
        fire(api, step.who, case_id, step.transition, step.body)
        assert_process_follows(case_id, step.status, step.queue, owner=step.owner)

    # when the applicant withdraws
    data = fire(api, withdrawer, case_id, "withdraw", {"note": "申请人书面申请撤回"})

    # then the case is closed as withdrawn and the process is over: no open task, no armed timer
    assert (data["status"], data["outcome"]) == ("closed", "withdrawn")
    assert_process_follows(case_id, "closed", None)


@pytest.mark.parametrize("status", ["reported", "township_triage"])
def test_merged_duplicate_ends_its_process_and_leaves_the_surviving_case_in_step(demo, api, status):
    # given the same dispute filed twice, both brought to `status`
    survivor, duplicate = file_via_api(api), file_via_api(api)
    prefix, _ = TO_STATUS[status]
    for case_id in (survivor, duplicate):
        for step in prefix:
            fire(api, step.who, case_id, step.transition, step.body)
    queue = "village" if status == "reported" else "township"
    survivor_task = assert_process_follows(survivor, status, queue)

    # when the duplicate is merged into the survivor (并单)
    merger = "head1" if status == "reported" else "center1"
    data = fire(api, merger, duplicate, "merge", {"into": survivor})

    # then the duplicate's process is over, and the survivor's stage task is untouched
    assert (data["status"], data["outcome"]) == ("closed", "merged")
    assert_process_follows(duplicate, "closed", None)
    assert assert_process_follows(survivor, status, queue) == survivor_task
