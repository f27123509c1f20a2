"""Raising a case's risk level after filing: POST /api/v1/cases/{id}/risk/ (issue 10, point 4).

一般 → 较大 → 重大, with a reason, on the timeline (`raise_risk`), by the case's village committee,
the township center or a supervisor. Raised to 重大, the case is fast-tracked exactly as a
high-risk filing is — out of the village straight to township triage — and the township and
county supervisors are alerted (`high_risk`), once.
"""
from __future__ import annotations

import pytest

from casework.choices import Status
from casework.models import Case, CaseEvent
from flows import engine
from flows.models import DisputeProcess, Notification
from tests.conftest import bring_to, snapshot
from tests.ui.conftest import Browser

CASES = "/api/v1/cases/"
REASON = "当事人扬言要动手，有民转刑风险"


def raise_risk(api, who: str, case_id: int, **body):
    return api(who).post(f"{CASES}{case_id}/risk/", body, format="json")


def alerted(case_id: int) -> list[str]:
    return sorted(Notification.objects.filter(case_id=case_id, kind="high_risk")
                  .values_list("recipient__username", flat=True))


def stage_task_name(case_id: int) -> str:
    process = DisputeProcess.objects.get(case_id=case_id)
    return engine.open_stage_task(process.pk).flow_task.name


@pytest.mark.parametrize("who", ["head1", "mediator1", "center1", "super1", "county1"])
def test_raising_to_elevated_is_audited_with_the_reason(demo, api, who):
    # given a reported case of normal risk
    case = bring_to(Status.REPORTED)
    version = case.version

    # when someone with jurisdiction raises it to 较大
    response = raise_risk(api, who, case.pk, risk_level="elevated", reason=REASON)

    # then the case is elevated, nothing else moved, and the timeline says who, why, from what to what
    assert response.status_code == 200, response.data
    assert (response.data["risk_level"], response.data["status"]) == ("elevated", "reported")
    assert response.data["version"] == version + 1
    event = CaseEvent.objects.filter(case=case).order_by("-seq").first()
    assert (event.action, event.actor.username, event.note) == ("raise_risk", who, REASON)
    assert event.data == {"from": "normal", "to": "elevated"}
    # and an elevated case alerts nobody
    assert not Notification.objects.filter(case=case).exists()


@pytest.mark.parametrize("status", [Status.REPORTED, Status.VILLAGE_MEDIATION])
def test_raising_to_high_in_the_village_fast_tracks_to_township_triage_and_alerts_once(demo, api, status):
    # given a case still in the village
    case = bring_to(status)

    # when the committee head raises it to 重大
    response = raise_risk(api, "head1", case.pk, risk_level="high", reason=REASON)

    # then it went straight to township triage, as a high-risk filing does, by the system
    assert response.status_code == 200, response.data
    assert (response.data["risk_level"], response.data["status"]) == ("high", "township_triage")
    assert response.data["deadline"]["kind"] == "township_triage"
    tail = list(CaseEvent.objects.filter(case=case).order_by("seq").values_list("action", "actor__username"))[-2:]
    assert tail == [("raise_risk", "head1"), ("escalate", None)]
    escalation = CaseEvent.objects.filter(case=case, action="escalate").get()
    assert (escalation.source_status, escalation.target_status) == (status, "township_triage")
    assert escalation.data == {"automatic": True, "reason": "high_risk"}
    # and the workflow follows: the triage task is open in the center's queue
    assert stage_task_name(case.pk) == "township_triage"
    # and the township and county supervisors are alerted, each once
    assert {"super1", "county1", "center1"} <= set(alerted(case.pk))
    assert alerted(case.pk).count("super1") == alerted(case.pk).count("county1") == 1
    assert not Notification.objects.filter(case=case, kind="escalated").exists()

    # when it is raised to 重大 a second time
    before = snapshot(case.pk)
    again = raise_risk(api, "center1", case.pk, risk_level="high", reason="再次上报")

    # then it is refused as not a raise, nothing changed, nobody is alerted again
    assert again.status_code == 409, again.data
    assert again.data["code"] == "invalid_transition"
    assert snapshot(case.pk) == before
    assert alerted(case.pk).count("county1") == 1


def test_raising_to_high_at_the_township_alerts_without_moving_the_case(demo, api):
    # given a township mediation of elevated risk
    case = bring_to(Status.TOWNSHIP_MEDIATION)
    assert raise_risk(api, "center1", case.pk, risk_level="elevated", reason="涉及多户").status_code == 200

    # when the center raises it to 重大
    response = raise_risk(api, "center1", case.pk, risk_level="high", reason=REASON)

    # then it stays where it is worked, and the supervisors hear of it
    assert response.status_code == 200, response.data
    assert (response.data["risk_level"], response.data["status"]) == ("high", "township_mediation")
    assert {"super1", "county1"} <= set(alerted(case.pk))
    assert "center1" not in alerted(case.pk)  # not the one who raised it


@pytest.mark.parametrize(("who", "status"), [("grid1", 403), ("grid2", 404), ("mediator2", 404)])
def test_raising_without_the_role_or_outside_the_jurisdiction_is_refused(demo, api, who, status):
    # given a reported case of 枫源村
    case = bring_to(Status.REPORTED)
    before = snapshot(case.pk)
    # when the reporting grid worker, or someone of another township or village, raises its risk
    response = raise_risk(api, who, case.pk, risk_level="high", reason=REASON)
    # then 403 / 404 and nothing changed
    assert response.status_code == status, response.data
    assert snapshot(case.pk) == before
    assert Case.objects.get(pk=case.pk).risk_level == "normal"
    assert not Notification.objects.filter(case=case).exists()


@pytest.mark.parametrize("body", [
    {"risk_level": "high"}, {"risk_level": "high", "reason": "  "}, {"risk_level": "extreme", "reason": REASON},
    {"reason": REASON},
])
def test_bad_input_is_a_400_with_the_field(demo, api, body):
    case = bring_to(Status.REPORTED)
    before = snapshot(case.pk)
    response = raise_risk(api, "head1", case.pk, **body)
    assert response.status_code == 400, response.data
    assert set(response.data) & {"risk_level", "reason"}
    assert snapshot(case.pk) == before


def test_lowering_or_a_closed_case_is_a_409(demo, api):
    # given an elevated case, when it is "raised" to normal, then 409
    case = bring_to(Status.REPORTED)
    assert raise_risk(api, "head1", case.pk, risk_level="elevated", reason=REASON).status_code == 200
    before = snapshot(case.pk)
    assert raise_risk(api, "head1", case.pk, risk_level="normal", reason="误报").status_code == 409
    assert snapshot(case.pk) == before
    # given a closed case, when its risk is raised, then 409
    closed = bring_to(Status.CLOSED)
    before = snapshot(closed.pk)
    response = raise_risk(api, "head1", closed.pk, risk_level="high", reason=REASON)
    assert (response.status_code, response.data["code"]) == (409, "invalid_transition")
    assert snapshot(closed.pk) == before


def test_a_stale_if_match_is_a_409_conflict(demo, api):
    case = bring_to(Status.REPORTED)
    etag = api("head1").get(f"{CASES}{case.pk}/")["ETag"]
    assert raise_risk(api, "center1", case.pk, risk_level="elevated", reason=REASON).status_code == 200
    before = snapshot(case.pk)
    response = api("head1").post(f"{CASES}{case.pk}/risk/", {"risk_level": "high", "reason": REASON},
                                 format="json", HTTP_IF_MATCH=etag)
    assert (response.status_code, response.data["code"]) == (409, "conflict")
    assert snapshot(case.pk) == before


def test_the_endpoint_is_in_the_openapi_schema(demo, api):
    schema = api("head1").get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    operation = schema.json()["paths"]["/api/v1/cases/{case_id}/risk/"]["post"]
    assert set(operation["responses"]) >= {"200", "400", "403", "404", "409"}


# --- the case page ---

def test_the_case_page_raises_the_risk_with_a_reason(demo):
    # given a reported case and its committee head on its page
    case = bring_to(Status.REPORTED)
    head = Browser("head1")
    page = head.get(f"/cases/{case.pk}/")
    form = f"/cases/{case.pk}/risk/"
    assert page.has_form(form)
    # and the reporting grid worker is not offered the form
    assert not Browser("grid1").get(f"/cases/{case.pk}/").has_form(form)

    # when the head raises it to 重大 with a reason
    page = head.submit(page.form(form), risk_level="high", reason=REASON)

    # then the case went to the township, and the timeline shows the raise with its reason
    assert page.status == 200, page.messages
    case.refresh_from_db()
    assert (case.risk_level, case.status) == ("high", "township_triage")
    assert "上调风险等级" in page and REASON in page

    # and a raise without a reason is refused on the form, changing nothing
    other = bring_to(Status.REPORTED)
    before = snapshot(other.pk)
    refused = head.submit(head.get(f"/cases/{other.pk}/").form(f"/cases/{other.pk}/risk/"), risk_level="high", reason="")
    assert refused.status == 400
    assert snapshot(other.pk) == before
