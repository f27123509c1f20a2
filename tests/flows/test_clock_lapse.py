"""A pause has a maximum length, and a late follow-up visit raises 督办 (issue 10, point 3).

A clock paused while waiting for a party runs again on its own once the pause has lasted
`DEADLINE_PAUSE_MAX_DAYS` calendar days (30 by default): from then on the case is overdue when
its deadline passes, and the timers fire its warning and breach as for any running clock.
The follow-up visit (回访) of an agreed case is a township-style clock: its breach raises a
supervision order to the county. The judicial-confirmation window is a countdown for the
parties and never escalates anything.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from casework import clock
from casework.models import Case, CaseDeadline, CaseEvent
from flows.models import Notification
from tests.conftest import frozen_clock, in_force, user
from tests.flows.helpers import CASES, actions, file_via_api, fire, fire_deadlines, fired

SHANGHAI = ZoneInfo("Asia/Shanghai")
MINUTE = dt.timedelta(minutes=1)
MON = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
TUE = dt.datetime(2026, 3, 3, 10, 0, tzinfo=SHANGHAI)
REASON = "被申请人外出务工，暂时联系不上"


@pytest.fixture(autouse=True)
def stopped_clock():
    """The wall clock stopped (tests.conftest.frozen_clock): `clock.travel_to` lands exactly."""
    with frozen_clock(dt.datetime(2026, 3, 1, 9, 0, tzinfo=SHANGHAI)):
        yield


def acceptance(case_id: int) -> CaseDeadline:
    return CaseDeadline.objects.get(case_id=case_id, kind="acceptance")


def overdue_ids(api, who: str = "head1") -> set[int]:
    return {c["id"] for c in api(who).get(CASES, {"overdue": "true"}).data["results"]}


def test_a_pause_beyond_its_maximum_lapses_the_case_is_overdue_and_the_breach_fires(demo, api):
    # given a case filed on Monday (acceptance due Thursday night), paused on Tuesday
    with clock.travel_to(MON):
        case_id = file_via_api(api)
    original_due = acceptance(case_id).due_at
    with clock.travel_to(TUE):
        paused = api("head1").post(f"{CASES}{case_id}/deadline/pause/", {"reason": REASON}, format="json")
    assert paused.status_code == 200, paused.data
    # the pause ends on its own 30 calendar days later
    assert dt.datetime.fromisoformat(paused.data["deadline"]["pause_ends_at"]) == TUE + dt.timedelta(days=30)

    # when ten days after the original due moment the sweep runs: the pause still holds
    assert fired(fire_deadlines(original_due + dt.timedelta(days=10)))[0] == 0
    with clock.travel_to(original_due + dt.timedelta(days=10)):
        assert case_id not in overdue_ids(api)

    # then, once the pause has run out, the clock ran again for the time it had left: due 30 days late
    lapsed_due = original_due + dt.timedelta(days=30)
    with clock.travel_to(lapsed_due - MINUTE):
        assert case_id not in overdue_ids(api)
        assert api("head1").get(f"{CASES}{case_id}/").data["deadline"]["overdue"] is False
    with clock.travel_to(lapsed_due + MINUTE):
        assert case_id in overdue_ids(api)
        deadline = api("head1").get(f"{CASES}{case_id}/").data["deadline"]
        assert (deadline["state"], deadline["overdue"]) == ("running", True)

    # and the sweep fires its warning and its breach, which escalates the case, once
    assert fired(fire_deadlines(lapsed_due + MINUTE)) == (2, 0, 0)
    assert actions(case_id) == ["file", "pause_clock", "pause_lapsed", "deadline_warning", "deadline_breached",
                                "escalate"]
    lapse = CaseEvent.objects.get(case_id=case_id, action="pause_lapsed")
    assert lapse.actor_id is None and lapse.data["deadline"] == "acceptance"
    assert Case.objects.get(pk=case_id).status == "township_triage"
    assert acceptance(case_id).state == "breached"
    assert fired(fire_deadlines(lapsed_due + dt.timedelta(days=1)))[0] == 0
    assert actions(case_id).count("escalate") == 1


@override_settings(DEADLINE_PAUSE_MAX_DAYS=5)
def test_the_maximum_pause_is_a_setting(demo, api):
    # given at most five days of pause
    with clock.travel_to(MON):
        case_id = file_via_api(api)
    original_due = acceptance(case_id).due_at
    with clock.travel_to(TUE):
        assert api("head1").post(f"{CASES}{case_id}/deadline/pause/", {"reason": REASON}, format="json").status_code == 200
    # when the sweep runs five days and a minute after the original due moment
    out = fire_deadlines(original_due + dt.timedelta(days=5) + MINUTE)
    # then the pause has lapsed and the breach fired
    assert fired(out)[0] == 2
    assert "deadline_breached" in actions(case_id)


def test_a_pause_resumed_before_its_maximum_credits_only_the_time_it_stood(demo, api):
    # given a case paused on Tuesday
    with clock.travel_to(MON):
        case_id = file_via_api(api)
    original_due = acceptance(case_id).due_at
    with clock.travel_to(TUE):
        assert api("head1").post(f"{CASES}{case_id}/deadline/pause/", {"reason": REASON}, format="json").status_code == 200
    # when it is resumed four days later
    with clock.travel_to(TUE + dt.timedelta(days=4)):
        resumed = api("head1").post(f"{CASES}{case_id}/deadline/resume/", {}, format="json")
    # then it is due four days later than it was, and runs
    assert resumed.status_code == 200, resumed.data
    deadline = acceptance(case_id)
    assert (deadline.state, deadline.paused_at, deadline.pause_ends_at) == ("running", None, None)
    assert deadline.due_at == original_due + dt.timedelta(days=4)


# --- the follow-up visit: late, a supervision order; the confirmation window: never ---

AGREEMENT = {"terms": "责任方承担维修费800元", "obligations": [{"description": "付款", "due_date": "2026-03-20"}]}


def test_a_late_follow_up_visit_raises_a_supervision_order_to_the_county_and_the_confirmation_window_never(demo, api):
    # given a village agreement recorded on 10 March: follow-up due 4 April, confirmation window 9 April
    with clock.travel_to(dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)):
        case_id = file_via_api(api)
        fire(api, "head1", case_id, "accept", {"mediators": ["mediator1"]})
    with clock.travel_to(dt.datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)):
        fire(api, "mediator1", case_id, "record_agreement", in_force(case_id, AGREEMENT))  # signed and sealed
    follow_up = CaseDeadline.objects.get(case_id=case_id, kind="follow_up")
    window = CaseDeadline.objects.get(case_id=case_id, kind="judicial_confirmation")
    seen = len(actions(case_id))

    # when the sweep runs after the follow-up visit's due moment
    fire_deadlines(follow_up.due_at + MINUTE)

    # then the breach raised a supervision order (督办), and the county supervisor hears of it
    assert actions(case_id)[seen:] == ["deadline_warning", "deadline_breached", "supervision_order"]
    order = CaseEvent.objects.get(case_id=case_id, action="supervision_order")
    assert order.data == {"deadline": "follow_up", "to": "county"}
    county = Notification.objects.filter(case_id=case_id, recipient=user("county1"), kind="supervision_order")
    assert list(county.values_list("event_id", flat=True)) == [order.pk]
    assert Case.objects.get(pk=case_id).status == "agreed"

    # and when the sweep runs long after the confirmation window closed, nothing more happens
    late = max(window.due_at, follow_up.due_at) + dt.timedelta(days=60)
    assert fired(fire_deadlines(late))[0] == 0
    assert actions(case_id).count("supervision_order") == 1
    assert not CaseEvent.objects.filter(case_id=case_id, data__deadline="judicial_confirmation").exists()
    assert Notification.objects.filter(case_id=case_id, recipient=user("county1")).count() == 1
