"""终止调解: POST/GET /api/v1/cases/{id}/terminations/ — mediation failed, and the parties were told
which other routes they have (人民调解法 art. 26)."""
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
}


def terminate(api, who: str, case_id: int, **overrides):
    return post(api, who, case_id, "terminations/", {**TERMINATION, **overrides})


def test_mediator_terminates_village_mediation_telling_the_parties_their_routes(demo, api):
    # given a case in village mediation
    case = bring_to(Status.VILLAGE_MEDIATION)
    before = snapshot(case.pk)

    # when the assigned mediator records that mediation failed
    response = terminate(api, "mediator1", case.pk)

    # then the termination keeps the stage, the reason and the routes the parties were told of
    assert response.status_code == 201, response.data
    body = response.data
    assert body["stage"] == "village_mediation"
    assert body["advised_channels"] == ["court", "legal_aid"]
    assert body["advice"] == TERMINATION["advice"] and body["reason"] == TERMINATION["reason"]
    assert body["recorded_by"]["username"] == "mediator1"
    # and one event, the case staying where it is until someone escalates, refers or closes it
    after = snapshot(case.pk)
    assert after[0] == before[0] == "village_mediation"
    assert after[3] == before[3] + 1 and events(case.pk)[-1] == "termination_recorded"
    assert [t["id"] for t in get(api, "county1", case.pk, "terminations/").data] == [body["id"]]


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


def test_a_stage_is_terminated_once_and_the_next_stage_may_be_terminated_again(demo, api):
    # given village mediation terminated once
    case = bring_to(Status.VILLAGE_MEDIATION)
    assert terminate(api, "mediator1", case.pk).status_code == 201
    before = records(case.pk)

    # when it is terminated again at the same stage, then 409 and nothing changed
    again = terminate(api, "head1", case.pk)
    assert again.status_code == 409 and again.data["code"] == "invalid_transition"
    assert records(case.pk) == before

    # when the case goes up to township mediation, then the center may terminate that stage too
    services.case_escalate(case_id=case.pk, actor=user("head1"), reason="村级调解不成")
    services.case_triage_to_mediation(case_id=case.pk, actor=user("center1"))
    township = terminate(api, "center1", case.pk, advised_channels=["arbitration"])
    assert township.status_code == 201, township.data
    assert [t["stage"] for t in get(api, "center1", case.pk, "terminations/").data] == [
        "village_mediation", "township_mediation"]
