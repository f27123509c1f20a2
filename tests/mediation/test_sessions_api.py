"""调解笔录: POST/GET /api/v1/cases/{id}/sessions/ — who may record a session, when, and what it keeps."""
from __future__ import annotations

import datetime as dt

import pytest

from casework import clock
from casework.choices import Status
from mediation.models import MediationSession
from tests.conftest import bring_to, snapshot
from tests.mediation.support import OUTSIDE, at, events, get, post, records

SESSION = {
    "held_at": "2026-03-05T14:30:00+08:00",
    "place": "枫源村人民调解室",
    "attendees": [{"name": "张三", "role": "申请人"}, {"name": "李四", "role": "被申请人"},
                  {"name": "王五", "role": "村民代表"}],
    "statements": "申请人称楼上卫生间漏水已三月，要求赔偿厨房吊顶维修费1200元；被申请人承认漏水，认为费用过高。",
    "result": "双方同意请第三方评估维修费用，下周三再次调解。",
}


def record(api, who: str, case_id: int, headers: dict | None = None, **overrides):
    return post(api, who, case_id, "sessions/", {**SESSION, **overrides}, **(headers or {}))


def test_assigned_mediator_records_a_session_and_the_case_gets_one_event(demo, api):
    # given a case the village accepted on 3 March, with mediator1 assigned
    with clock.travel_to(at(2026, 3, 3)):
        case = bring_to(Status.VILLAGE_MEDIATION)
    before = snapshot(case.pk)

    # when mediator1 records the session held on 5 March
    with clock.travel_to(at(2026, 3, 5, 17)):
        response = record(api, "mediator1", case.pk)

    # then the session is kept with its attendees, statements and result, mediator1 as its mediator
    assert response.status_code == 201, response.data
    body = response.data
    assert body["place"] == "枫源村人民调解室"
    assert body["attendees"][2] == {"name": "王五", "role": "村民代表"}
    assert body["statements"].startswith("申请人称") and body["result"] == SESSION["result"]
    assert [m["username"] for m in body["mediators"]] == ["mediator1"]
    assert body["recorded_by"]["username"] == "mediator1"
    assert dt.datetime.fromisoformat(body["held_at"]) == at(2026, 3, 5, 14, 30)
    # and the case got exactly one event and a new version, and did not move
    after = snapshot(case.pk)
    assert after[0] == before[0] == "village_mediation"
    assert after[2] == before[2] + 1 and after[3] == before[3] + 1
    assert events(case.pk)[-1] == "session_recorded"
    assert response["ETag"] == f'"{after[2]}"'
    # and the list shows it
    listed = get(api, "super1", case.pk, "sessions/")
    assert listed.status_code == 200 and [s["id"] for s in listed.data] == [body["id"]]


def test_committee_head_records_a_session_sat_by_two_mediators(demo, api):
    # given a case in village mediation
    case = bring_to(Status.VILLAGE_MEDIATION)
    # when the head records a session that mediator1 and the head sat together
    response = record(api, "head1", case.pk, mediators=["mediator1", "head1"])
    # then both are its mediators
    assert response.status_code == 201, response.data
    assert sorted(m["username"] for m in response.data["mediators"]) == ["head1", "mediator1"]


def test_center_staff_may_join_a_village_session_as_they_may_record_its_agreement(demo, api):
    # given a case in village mediation, when center1 records a session (联合调解), then it is kept
    case = bring_to(Status.VILLAGE_MEDIATION)
    before = snapshot(case.pk)
    response = record(api, "center1", case.pk)
    assert response.status_code == 201, response.data
    # with center1 as its recorder and (by default) its mediator
    session = MediationSession.objects.get(case=case)
    assert (session.pk, session.place, session.result, session.recorded_by.username) == (
        response.data["id"], SESSION["place"], SESSION["result"], "center1")
    assert list(session.mediators.values_list("username", flat=True)) == ["center1"]
    # and the case got one event, and stayed in village mediation
    after = snapshot(case.pk)
    assert after[0] == before[0] == "village_mediation"
    assert (after[2], after[3]) == (before[2] + 1, before[3] + 1)
    assert events(case.pk)[-1] == "session_recorded"


def test_center_staff_records_a_township_session(demo, api):
    # given a case in joint mediation at the township center
    case = bring_to(Status.TOWNSHIP_MEDIATION)
    # when center1 records a session, then it is kept
    response = record(api, "center1", case.pk, place="枫桥镇社会治理中心调解室")
    assert response.status_code == 201, response.data
    assert MediationSession.objects.filter(case=case).count() == 1


@pytest.mark.parametrize(("who", "status"), [
    ("grid1", 403), ("super1", 403), ("county1", 403), *[(who, 404) for who in OUTSIDE],
])
def test_session_by_a_role_that_does_not_mediate_the_case_is_refused_and_changes_nothing(demo, api, who, status):
    # given a case in village mediation
    case = bring_to(Status.VILLAGE_MEDIATION)
    before = records(case.pk)
    # when someone who does not mediate it there records a session
    response = record(api, who, case.pk)
    # then it is refused (404 outside their jurisdiction) and nothing changed
    assert response.status_code == status, response.data
    assert records(case.pk) == before


def test_refused_role_reads_403_even_with_an_empty_body(demo, api):
    # given a case in village mediation, when a grid worker posts nothing, then the answer is about the role
    case = bring_to(Status.VILLAGE_MEDIATION)
    before = records(case.pk)
    response = post(api, "grid1", case.pk, "sessions/", {})
    assert response.status_code == 403 and response.data["code"] == "forbidden"
    # and nothing changed
    assert records(case.pk) == before


@pytest.mark.parametrize("state", [Status.REPORTED, Status.TOWNSHIP_TRIAGE, Status.AGREED, Status.CLOSED])
def test_session_outside_mediation_is_a_conflict_and_changes_nothing(demo, api, state):
    # given a case that is not being mediated
    case = bring_to(state)
    before = records(case.pk)
    # when the center (which may act on every case of the township) records a session
    response = record(api, "center1", case.pk)
    # then 409 invalid_transition, and nothing changed
    assert response.status_code == 409, response.data
    assert response.data["code"] == "invalid_transition"
    assert records(case.pk) == before


def test_session_naming_a_mediator_of_another_village_is_a_400(demo, api):
    # given a case of 枫源村 in village mediation
    case = bring_to(Status.VILLAGE_MEDIATION)
    before = records(case.pk)
    # when mediator2 (枫溪村) is named as one of its mediators
    response = record(api, "mediator1", case.pk, mediators=["mediator1", "mediator2"])
    # then 400 on mediators, and nothing changed
    assert response.status_code == 400
    assert "mediator2" in str(response.data["mediators"])
    assert records(case.pk) == before


@pytest.mark.parametrize(("overrides", "field"), [
    ({"place": ""}, "place"),
    ({"statements": "   "}, "statements"),
    ({"result": ""}, "result"),
    ({"held_at": "not a time"}, "held_at"),
    ({"attendees": [{"role": "证人"}]}, "attendees"),
    ({"mediators": ["nobody"]}, "mediators"),
])
def test_session_with_bad_input_is_a_400_naming_the_field(demo, api, overrides, field):
    # given a case in village mediation
    case = bring_to(Status.VILLAGE_MEDIATION)
    before = records(case.pk)
    # when a session is recorded with one field missing or wrong, then 400 names it and nothing changed
    response = record(api, "mediator1", case.pk, **overrides)
    assert response.status_code == 400, response.data
    assert field in response.data
    assert records(case.pk) == before


def test_session_cannot_be_recorded_before_it_is_held(demo, api):
    # given a case in village mediation on 3 March
    with clock.travel_to(at(2026, 3, 3)):
        case = bring_to(Status.VILLAGE_MEDIATION)
        before = records(case.pk)
        # when a session "held" tomorrow is recorded, then 400 on held_at
        response = record(api, "mediator1", case.pk, held_at="2026-03-04T09:00:00+08:00")
    assert response.status_code == 400 and "held_at" in response.data
    # and nothing changed
    assert records(case.pk) == before


def test_stale_if_match_is_a_conflict(demo, api):
    # given a case whose version moved on after the caller read it
    case = bring_to(Status.VILLAGE_MEDIATION)
    seen = case.version
    assert record(api, "head1", case.pk).status_code == 201
    before = records(case.pk)
    # when mediator1 records a session saying it acted on the older version
    response = record(api, "mediator1", case.pk, headers={"HTTP_IF_MATCH": f'"{seen}"'})
    # then 409 conflict, and nothing changed
    assert response.status_code == 409 and response.data["code"] == "conflict"
    assert records(case.pk) == before


def test_sessions_of_a_case_outside_jurisdiction_are_404(demo, api):
    # given a case with a session, when someone of another village lists them, then 404
    case = bring_to(Status.VILLAGE_MEDIATION)
    assert record(api, "mediator1", case.pk).status_code == 201
    assert get(api, "mediator2", case.pk, "sessions/").status_code == 404
    assert get(api, "grid2", case.pk, "sessions/").status_code == 404
