"""终止调解: POST/GET /api/v1/cases/{id}/terminations/ — mediation failed, the parties were told
which other routes they have (人民调解法 art. 26), and the case moves on: escalated, referred or
closed as unresolved, never left open at a rung that has given up on it."""
from __future__ import annotations

import pytest

from actions import services
from casework.choices import Status
from tests.conftest import bring_to, snapshot, user
from tests.mediation.support import OUTSIDE, events, get, post, records

TERMINATION = {
    "reason": "被申请人拒绝承担任何费用，双方分歧较大，经三次调解未能达成协议。",
    "advised_channels": ["court", "legal_aid"],
    "advice": "可向诸暨市人民法院枫桥人民法庭起诉，或申请法律援助。",
    "then": "escalate",
}


def terminate(api, who: str, case_id: int, **overrides):
    return post(api, who, case_id, "terminations/", {**TERMINATION, **overrides})


def test_mediator_terminates_village_mediation_and_the_case_goes_up_to_the_township(demo, api):
    # given a case in village mediation
    case = bring_to(Status.VILLAGE_MEDIATION)
    before = snapshot(case.pk)

    # when the assigned mediator records that mediation failed, and that the case goes up
    response = terminate(api, "mediator1", case.pk)

    # then the termination keeps the stage, the reason and the routes the parties were told of
    assert response.status_code == 201, response.data
    body = response.data
    assert body["stage"] == "village_mediation"
    assert body["advised_channels"] == ["court", "legal_aid"]
    assert body["advice"] == TERMINATION["advice"] and body["reason"] == TERMINATION["reason"]
    assert body["recorded_by"]["username"] == "mediator1"
    # and the case is escalated to township triage in the same request: two events
    after = snapshot(case.pk)
    assert after[0] == body["case_status"] == "township_triage"
    assert after[3] == before[3] + 2 and events(case.pk)[-2:] == ["termination_recorded", "escalate"]
    assert [t["id"] for t in get(api, "county1", case.pk, "terminations/").data] == [body["id"]]


def test_a_terminated_mediation_may_close_the_case_as_unresolved(demo, api):
    # given a case in village mediation
    case = bring_to(Status.VILLAGE_MEDIATION)
    # when mediation is terminated and the parties go to court themselves
    response = terminate(api, "mediator1", case.pk, then="close")
    # then the case is closed as unresolved — not counted as settled anywhere
    assert response.status_code == 201, response.data
    case.refresh_from_db()
    assert (case.status, case.outcome) == ("closed", "unresolved")
    assert events(case.pk)[-2:] == ["termination_recorded", "close_unresolved"]
    assert not case.deadlines.filter(ended_at__isnull=True).exists()


def test_township_termination_refers_the_case_to_a_channel(demo, api):
    # given a case in township mediation
    case = bring_to(Status.TOWNSHIP_MEDIATION)
    # when the center terminates and refers it to arbitration
    response = terminate(api, "center1", case.pk, then="refer", advised_channels=["arbitration"],
                         channel="arbitration", receiving_body="诸暨市劳动人事争议仲裁委员会")
    # then it is referred, with the referral on record
    assert response.status_code == 201, response.data
    assert response.data["case_status"] == "referred"
    referral = get(api, "center1", case.pk, "referrals/").data[-1]
    assert (referral["channel"], referral["receiving_body"]) == ("arbitration", "诸暨市劳动人事争议仲裁委员会")
    assert events(case.pk)[-2:] == ["termination_recorded", "refer"]


@pytest.mark.parametrize(("status", "who", "overrides", "field"), [
    (Status.VILLAGE_MEDIATION, "mediator1", {"then": "refer", "channel": "court", "receiving_body": "法院"}, "then"),
    (Status.VILLAGE_MEDIATION, "mediator1", {"then": ""}, "then"),
    (Status.TOWNSHIP_MEDIATION, "center1", {"then": "escalate"}, "then"),
    (Status.TOWNSHIP_MEDIATION, "center1", {"then": "refer", "receiving_body": "法院"}, "channel"),
    (Status.TOWNSHIP_MEDIATION, "center1", {"then": "refer", "channel": "court"}, "receiving_body"),
])
def test_a_termination_without_a_possible_next_step_is_a_400_and_changes_nothing(demo, api, status, who, overrides,
                                                                                  field):
    case = bring_to(status)
    before = records(case.pk)
    response = terminate(api, who, case.pk, **overrides)
    assert response.status_code == 400, response.data
    assert field in response.data
    assert records(case.pk) == before


def test_closing_as_unresolved_is_not_a_transition_of_its_own(demo, api):
    # given a case in village mediation, its committee head sees no "close as unresolved" action
    case = bring_to(Status.VILLAGE_MEDIATION)
    detail = api("head1").get(f"/api/v1/cases/{case.pk}/").data
    assert "close_unresolved" not in detail["allowed_transitions"]
    # and firing it directly is a 409 that changes nothing: it is a termination's exit
    before = records(case.pk)
    response = post(api, "head1", case.pk, "transitions/close_unresolved/", {"note": "不调了"})
    assert response.status_code == 409 and response.data["code"] == "invalid_transition"
    assert records(case.pk) == before


def test_routes_may_be_given_as_free_text_only(demo, api):
    # given a case in village mediation, when the routes are only described, then it is accepted
    case = bring_to(Status.VILLAGE_MEDIATION)
    response = terminate(api, "head1", case.pk, advised_channels=[], advice="建议向镇劳动保障所反映")
    assert response.status_code == 201, response.data
    assert response.data["advised_channels"] == []


@pytest.mark.parametrize(("overrides", "field"), [
    ({"advised_channels": [], "advice": ""}, "advised_channels"),
    ({"advised_channels": ["mars"]}, "advised_channels"),
    ({"reason": "  "}, "reason"),
])
def test_termination_without_a_reason_or_a_route_is_a_400_and_changes_nothing(demo, api, overrides, field):
    # given a case in village mediation
    case = bring_to(Status.VILLAGE_MEDIATION)
    before = records(case.pk)
    # when the termination lacks a reason, or tells the parties of no (or an unknown) route
    response = terminate(api, "mediator1", case.pk, **overrides)
    # then 400 names the field, and nothing changed
    assert response.status_code == 400, response.data
    assert field in response.data
    assert records(case.pk) == before


@pytest.mark.parametrize(("who", "status"), [("grid1", 403), ("super1", 403), *[(who, 404) for who in OUTSIDE]])
def test_termination_by_a_role_that_does_not_mediate_the_case_is_refused_and_changes_nothing(demo, api, who, status):
    # given a case in village mediation
    case = bring_to(Status.VILLAGE_MEDIATION)
    before = records(case.pk)
    # when someone who does not mediate it terminates the mediation, then it is refused and nothing changed
    response = terminate(api, who, case.pk)
    assert response.status_code == status, response.data
    assert records(case.pk) == before


def test_termination_of_a_case_not_in_mediation_is_a_conflict(demo, api):
    # given a reported case, when the committee head terminates "mediation", then 409
    case = bring_to(Status.REPORTED)
    before = records(case.pk)
    response = terminate(api, "head1", case.pk)
    assert response.status_code == 409 and response.data["code"] == "invalid_transition"
    assert records(case.pk) == before


def test_each_stage_may_be_terminated_on_its_way_up(demo, api):
    # given village mediation terminated, the case going up
    case = bring_to(Status.VILLAGE_MEDIATION)
    assert terminate(api, "mediator1", case.pk).status_code == 201
    # when the case reaches township mediation, then the center may terminate that stage too
    services.case_triage_to_mediation(case_id=case.pk, actor=user("center1"))
    township = terminate(api, "center1", case.pk, advised_channels=["arbitration"], then="close")
    assert township.status_code == 201, township.data
    assert [t["stage"] for t in get(api, "center1", case.pk, "terminations/").data] == [
        "village_mediation", "township_mediation"]
