"""Who may pause a stage's clock, and how often a stage may be extended (issue 10, point 3).

Who may pause and resume a stage's clock is a rule of the ladder (`Stage.paused_by`): the body
that works the stage. The API, the services and the case page's forms all read it.
"Extendable once" counts per stage per case: a reopened mediation does not get a second extension.
"""
from __future__ import annotations

import dataclasses

import pytest

from casework import ladder
from casework import permissions as perms
from casework.choices import Role, Status
from casework.models import CaseDeadline
from tests.conftest import bring_to, days_from_today, snapshot
from tests.ui.conftest import Browser

CASES = "/api/v1/cases/"
REASON = "当事人外出务工，暂时联系不上"


def pause(api, who: str, case_id: int, reason: str = REASON):
    return api(who).post(f"{CASES}{case_id}/deadline/pause/", {"reason": reason}, format="json")


def resume(api, who: str, case_id: int):
    return api(who).post(f"{CASES}{case_id}/deadline/resume/", {}, format="json")


def clock_state(case_id: int) -> list[tuple[str, str]]:
    return list(CaseDeadline.objects.filter(case_id=case_id, ended_at__isnull=True).values_list("kind", "state"))


# --- who may pause: the body that works the stage ---

@pytest.mark.parametrize("status", [Status.TOWNSHIP_TRIAGE, Status.TOWNSHIP_MEDIATION, Status.REFERRED])
def test_a_grid_worker_cannot_pause_the_townships_clock(demo, api, status):
    # given a case of grid1's grid being worked by the township center
    case = bring_to(status)
    before = snapshot(case.pk)

    # when grid1 (who reported it) pauses its clock
    response = pause(api, "grid1", case.pk)

    # then 403, and the clock keeps running
    assert response.status_code == 403, response.data
    assert response.data["code"] == "forbidden"
    assert snapshot(case.pk) == before
    assert [state for _, state in clock_state(case.pk)] == ["running"]


@pytest.mark.parametrize("who", ["grid1", "head1", "mediator1"])
def test_nobody_outside_the_center_resumes_a_clock_the_center_paused(demo, api, who):
    # given a township mediation whose clock the center paused
    case = bring_to(Status.TOWNSHIP_MEDIATION)
    assert pause(api, "center1", case.pk).status_code == 200
    before = snapshot(case.pk)

    # when the grid worker or the village committee resumes it
    response = resume(api, who, case.pk)

    # then 403, and it stays paused
    assert response.status_code == 403, response.data
    assert snapshot(case.pk) == before
    assert clock_state(case.pk) == [("township_mediation", "paused")]
    # while the center itself may
    assert resume(api, "center1", case.pk).status_code == 200
    assert clock_state(case.pk) == [("township_mediation", "running")]


def test_the_reporting_grid_worker_cannot_pause_the_village_committees_acceptance_clock(demo, api):
    # given a case grid1 just filed: its acceptance clock is the village committee's
    case = bring_to(Status.REPORTED)
    before = snapshot(case.pk)
    # when grid1 pauses it, then 403
    assert pause(api, "grid1", case.pk).status_code == 403
    assert snapshot(case.pk) == before
    # and the committee may
    assert pause(api, "mediator1", case.pk).status_code == 200


def test_the_ladder_rule_decides_who_may_pause_and_resume(demo, api, monkeypatch):
    # given a ladder whose township triage clock is kept by the supervisors instead of the center
    def supervisors(case, user):
        return perms.holds(user, {Role.TOWNSHIP_SUPERVISOR}, case.region_path)

    stage = ladder.STAGES[Status.TOWNSHIP_TRIAGE]
    monkeypatch.setitem(ladder.STAGES, Status.TOWNSHIP_TRIAGE, dataclasses.replace(stage, paused_by=supervisors))
    case = bring_to(Status.TOWNSHIP_TRIAGE)

    # then the center is refused and the supervisor may pause and resume
    assert pause(api, "center1", case.pk).status_code == 403
    assert pause(api, "super1", case.pk).status_code == 200
    assert resume(api, "center1", case.pk).status_code == 403
    assert resume(api, "super1", case.pk).status_code == 200

    # and the case page offers the pause form to the supervisor, not to the center
    form = f"/cases/{case.pk}/deadline/pause/"
    assert Browser("super1").get(f"/cases/{case.pk}/").has_form(form)
    assert not Browser("center1").get(f"/cases/{case.pk}/").has_form(form)


def test_the_case_page_offers_the_pause_form_only_to_who_may_pause(demo):
    # given a case in township triage
    case = bring_to(Status.TOWNSHIP_TRIAGE)
    form = f"/cases/{case.pk}/deadline/pause/"
    # then the center sees the pause form; the reporting grid worker and the village head do not
    assert Browser("center1").get(f"/cases/{case.pk}/").has_form(form)
    assert not Browser("grid1").get(f"/cases/{case.pk}/").has_form(form)
    assert not Browser("head1").get(f"/cases/{case.pk}/").has_form(form)


def test_every_stage_declares_who_keeps_its_clock(demo):
    # the rule is declared on each stage, as its extension is
    for stage in ladder.STAGES.values():
        assert callable(stage.paused_by), stage.status


# --- extendable once, across a reopen ---

def extend(api, who: str, case_id: int, **body):
    return api(who).post(f"{CASES}{case_id}/deadline/extend/", body, format="json")


@pytest.mark.parametrize(("agreed_at", "who", "body"), [
    ("village", "head1", {"reason": "双方同意延期，待鉴定", "parties_consent": True}),
    ("township", "center1", {"reason": "需等待司法鉴定意见"}),
])
def test_extend_then_reopen_then_extend_again_is_refused(demo, api, agreed_at, who, body):
    # given a mediation extended once, then agreed
    status = Status.VILLAGE_MEDIATION if agreed_at == "village" else Status.TOWNSHIP_MEDIATION
    case = bring_to(status)
    assert extend(api, who, case.pk, **body).status_code == 200
    recorder = "mediator1" if agreed_at == "village" else "center1"
    agreed = api(recorder).post(f"{CASES}{case.pk}/transitions/record_agreement/", {
        "terms": "赔偿维修费800元", "obligations": [{"description": "付款", "due_date": days_from_today(60).isoformat()}]},
        format="json")
    assert agreed.status_code == 200, agreed.data

    # when a party reneges and the case is reopened into the same mediation stage
    reopened = api(who).post(f"{CASES}{case.pk}/transitions/reopen/", {"reason": "一方反悔"}, format="json")
    assert reopened.status_code == 200, reopened.data
    assert reopened.data["status"] == status
    before = snapshot(case.pk)
    due = CaseDeadline.objects.get(case=case, kind=ladder.STAGES[status].clock, ended_at__isnull=True).due_at

    # then extending the reopened mediation is refused: the stage has had its one extension
    response = extend(api, who, case.pk, **body)
    assert response.status_code == 409, response.data
    assert response.data["code"] == "invalid_transition"
    assert snapshot(case.pk) == before
    assert CaseDeadline.objects.get(case=case, kind=ladder.STAGES[status].clock, ended_at__isnull=True).due_at == due
