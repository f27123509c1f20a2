"""Deadline clocks: rules as data, calendar and working days, one clock per stage, pause and resume."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from casework import clock
from casework.choices import Status
from casework.models import CaseDeadline, DeadlineRule, Holiday, Region
from tests.conftest import bring_to, filing_body, in_force, snapshot

SHANGHAI = ZoneInfo("Asia/Shanghai")
CASES = "/api/v1/cases/"
MON_0302 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)  # a Monday
THU_0305 = dt.datetime(2026, 3, 5, 9, 0, tzinfo=SHANGHAI)


def local(y, m, d, hh=23, mm=59, ss=59) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=SHANGHAI)


def parse(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def close_to(a: dt.datetime, b: dt.datetime, seconds: float = 5) -> bool:
    return abs(a - b) <= dt.timedelta(seconds=seconds)


def file_via_api(api, who: str = "grid1", **overrides) -> dict:
    response = api(who).post(CASES, filing_body(**overrides), format="json")
    assert response.status_code == 201, response.data
    return response.data


def fire(api, who: str, case_id: int, name: str, **body) -> dict:
    response = api(who).post(f"{CASES}{case_id}/transitions/{name}/", body, format="json")
    assert response.status_code == 200, response.data
    return response.data


def detail(api, case_id: int, who: str = "head1") -> dict:
    return api(who).get(f"{CASES}{case_id}/").data


def clocks(case_id: int) -> list[tuple[str, str]]:
    """(kind, state) of every clock the case ever had, oldest first."""
    return list(CaseDeadline.objects.filter(case_id=case_id).order_by("started_at", "id").values_list("kind", "state"))


def open_kinds(data: dict) -> set[str]:
    return {d["kind"] for d in data["deadlines"]}


def escalate_on(api, moment: dt.datetime) -> dict:
    """A case filed a day before `moment` and escalated by the village committee at `moment`."""
    with clock.travel_to(moment - dt.timedelta(days=1)):
        case = file_via_api(api)
    with clock.travel_to(moment):
        return fire(api, "head1", case["id"], "escalate", reason="涉及多户，村级难以调处")


# --- default rules ---


def test_acceptance_is_due_at_the_end_of_the_third_calendar_day(demo, api):
    # given a case filed on Monday morning
    with clock.travel_to(MON_0302):
        case = file_via_api(api)
    # then its acceptance clock runs to the end of Thursday, warning two thirds of the way
    deadline = case["deadline"]
    assert (deadline["kind"], deadline["state"]) == ("acceptance", "running")
    assert close_to(parse(deadline["started_at"]), MON_0302)
    assert parse(deadline["due_at"]) == local(2026, 3, 5)
    started, due = parse(deadline["started_at"]), parse(deadline["due_at"])
    assert close_to(parse(deadline["warn_at"]), started + (due - started) * 2 / 3)


def test_acceptance_counts_weekend_days(demo, api):
    # given a case filed on Friday, when the clock starts, then Saturday and Sunday count
    with clock.travel_to(dt.datetime(2026, 3, 6, 16, 0, tzinfo=SHANGHAI)):
        case = file_via_api(api)
    assert parse(case["deadline"]["due_at"]) == local(2026, 3, 9)


def test_township_triage_counts_three_working_days_skipping_the_weekend(demo, api):
    # given a case escalated on Thursday
    case = escalate_on(api, THU_0305)
    # then triage is due at the end of Tuesday: Friday, Monday, Tuesday
    assert case["deadline"]["kind"] == "township_triage"
    assert parse(case["deadline"]["due_at"]) == local(2026, 3, 10)


def test_high_risk_filing_starts_the_triage_clock_in_working_days(demo, api):
    # given a high-risk case filed on Thursday, then its triage clock also skips the weekend
    with clock.travel_to(THU_0305):
        case = file_via_api(api, risk_level="high")
    assert case["deadline"]["kind"] == "township_triage"
    assert parse(case["deadline"]["due_at"]) == local(2026, 3, 10)
    assert clocks(case["id"]) == [("acceptance", "met"), ("township_triage", "running")]


def test_township_triage_skips_a_holiday(demo, api):
    # given Monday 9 March is a day off in the holiday calendar
    Holiday.objects.create(date=dt.date(2026, 3, 9), name="假日")
    # when a case is escalated on Thursday, then triage is due on Wednesday instead of Tuesday
    case = escalate_on(api, THU_0305)
    assert parse(case["deadline"]["due_at"]) == local(2026, 3, 11)


def test_township_triage_counts_a_working_weekend_day(demo, api):
    # given Saturday 7 March is worked in exchange for a holiday (调休)
    Holiday.objects.create(date=dt.date(2026, 3, 7), name="调休上班", is_working_day=True)
    # when a case is escalated on Thursday, then triage is due on Monday: Friday, Saturday, Monday
    case = escalate_on(api, THU_0305)
    assert parse(case["deadline"]["due_at"]) == local(2026, 3, 9)


def test_township_triage_runs_over_a_week_long_national_day_holiday(demo, api):
    # given 1–7 October off and Saturday 10 October worked
    for day in range(1, 8):
        Holiday.objects.create(date=dt.date(2026, 10, day), name="国庆节")
    Holiday.objects.create(date=dt.date(2026, 10, 10), name="国庆调休", is_working_day=True)
    # when a case is escalated on 30 September, then it is due on Saturday 10 October (8th, 9th, 10th)
    case = escalate_on(api, dt.datetime(2026, 9, 30, 15, 0, tzinfo=SHANGHAI))
    assert parse(case["deadline"]["due_at"]) == local(2026, 10, 10)


def test_editing_the_default_rule_changes_new_clocks(demo, api):
    # given an administrator who lengthened the default acceptance rule to 5 days (the row the
    # migration wrote is gone if a transactional test ran before in this process: written again)
    DeadlineRule.objects.update_or_create(kind="acceptance", region=None, dispute_type="",
                                          defaults={"days": 5, "day_count": "calendar", "extension_days": 0})
    # when a case is filed on Monday, then acceptance is due Saturday night
    with clock.travel_to(MON_0302):
        case = file_via_api(api)
    assert parse(case["deadline"]["due_at"]) == local(2026, 3, 7)


# --- rule precedence ---


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def acceptance_due(api, who: str = "grid1", **overrides) -> dt.datetime:
    with clock.travel_to(MON_0302):
        return parse(file_via_api(api, who, **overrides)["deadline"]["due_at"])


def test_township_rule_beats_the_default(demo, api):
    # given 枫桥镇 allows 5 days for acceptance
    DeadlineRule.objects.create(kind="acceptance", region=region("330681108"), days=5)
    # when cases are filed on Monday in 枫桥镇 and in 店口镇
    # then 枫桥镇's is due Saturday and 店口镇's keeps the default Thursday
    assert acceptance_due(api, "grid1") == local(2026, 3, 7)
    assert acceptance_due(api, "grid2") == local(2026, 3, 5)


def test_village_rule_for_a_dispute_type_beats_the_township_rule(demo, api):
    # given 枫桥镇 allows 5 days, and 枫源村 1 day for neighbourhood disputes
    DeadlineRule.objects.create(kind="acceptance", region=region("330681108"), days=5)
    DeadlineRule.objects.create(kind="acceptance", region=region("330681108001"), dispute_type="neighborhood", days=1)
    # when a neighbourhood case is filed in 枫源村, then it is due Tuesday
    assert acceptance_due(api, "grid1", dispute_type="neighborhood") == local(2026, 3, 3)
    # and a labour case there falls back to the township's 5 days
    assert acceptance_due(api, "grid1", dispute_type="labor") == local(2026, 3, 7)


def test_dispute_type_rule_beats_a_rule_for_the_same_region_without_one(demo, api):
    # given two rules for 枫桥镇, one of them for labour disputes
    township = region("330681108")
    DeadlineRule.objects.create(kind="acceptance", region=township, days=5)
    DeadlineRule.objects.create(kind="acceptance", region=township, dispute_type="labor", days=2)
    # then labour cases get 2 days and the others 5
    assert acceptance_due(api, dispute_type="labor") == local(2026, 3, 4)
    assert acceptance_due(api, dispute_type="contract") == local(2026, 3, 7)


def test_rule_in_working_days_is_counted_in_working_days(demo, api):
    # given 枫桥镇 counts acceptance in working days: 3 of them
    DeadlineRule.objects.create(kind="acceptance", region=region("330681108"), days=3, day_count="working")
    # when a case is filed on Thursday, then it is due on Tuesday
    with clock.travel_to(THU_0305):
        case = file_via_api(api)
    assert parse(case["deadline"]["due_at"]) == local(2026, 3, 10)


def test_rule_of_another_region_does_not_apply(demo, api):
    # given a rule for 枫溪村 (not grid1's village)
    DeadlineRule.objects.create(kind="acceptance", region=region("330681108002"), days=10)
    # when grid1 files, then the default applies
    assert acceptance_due(api, "grid1") == local(2026, 3, 5)


# --- a clock per stage ---


def test_each_stage_stops_the_previous_clock_and_starts_its_own(demo, api):
    # given a case filed on Monday
    with clock.travel_to(MON_0302):
        case_id = file_via_api(api)["id"]
    assert clocks(case_id) == [("acceptance", "running")]

    # when accepted on Tuesday, then acceptance is met and village mediation runs 30 days
    with clock.travel_to(local(2026, 3, 3, 9, 0, 0)):
        data = fire(api, "head1", case_id, "accept", mediators=["mediator1"])
    assert clocks(case_id) == [("acceptance", "met"), ("village_mediation", "running")]
    assert close_to(CaseDeadline.objects.get(case_id=case_id, kind="acceptance").ended_at, local(2026, 3, 3, 9, 0, 0))
    assert (data["deadline"]["kind"], parse(data["deadline"]["due_at"])) == ("village_mediation", local(2026, 4, 2))

    # when escalated, then village mediation is met and triage runs
    with clock.travel_to(local(2026, 3, 10, 9, 0, 0)):
        data = fire(api, "head1", case_id, "escalate", reason="调解无果")
    assert clocks(case_id)[-2:] == [("village_mediation", "met"), ("township_triage", "running")]
    assert data["deadline"]["kind"] == "township_triage"

    # when triaged to mediation, then township mediation runs 30 calendar days
    with clock.travel_to(local(2026, 3, 11, 9, 0, 0)):
        data = fire(api, "center1", case_id, "triage_to_mediation")
    assert clocks(case_id)[-2:] == [("township_triage", "met"), ("township_mediation", "running")]
    assert parse(data["deadline"]["due_at"]) == local(2026, 4, 10)

    # when referred to arbitration, then the referral feedback clock runs 30 days
    with clock.travel_to(local(2026, 3, 20, 9, 0, 0)):
        data = fire(api, "center1", case_id, "refer", channel="arbitration",
                    receiving_body="诸暨市劳动人事争议仲裁委员会")
    assert clocks(case_id)[-2:] == [("township_mediation", "met"), ("referral_feedback", "running")]
    assert parse(data["deadline"]["due_at"]) == local(2026, 4, 19)

    # when the channel reports it resolved, then no clock is left open
    with clock.travel_to(local(2026, 4, 1, 9, 0, 0)):
        data = fire(api, "center1", case_id, "record_referral_outcome", resolved=True, reply="仲裁调解结案")
    assert data["status"] == "closed"
    assert data["deadline"] is None and data["deadlines"] == []
    assert not CaseDeadline.objects.filter(case_id=case_id, ended_at__isnull=True).exists()
    assert [kind for kind, state in clocks(case_id) if state != "met"] == []


def test_stage_ended_early_by_withdrawal_leaves_no_running_clock(demo, api):
    # given a reported case, when it is withdrawn, then its acceptance clock stops
    case = file_via_api(api)
    fire(api, "head1", case["id"], "withdraw", note="申请人撤回")
    assert not CaseDeadline.objects.filter(case_id=case["id"], ended_at__isnull=True).exists()


def test_follow_up_is_due_15_days_after_the_last_obligation(demo, api):
    # given a case in village mediation
    case_id = bring_to(Status.VILLAGE_MEDIATION).pk
    # when an agreement is recorded whose obligations fall due on 10 April and 20 May (listed out of order)
    with clock.travel_to(local(2026, 3, 10, 10, 0, 0)):
        data = fire(api, "mediator1", case_id, "record_agreement", terms="分两期支付赔偿款", obligations=[
            {"description": "支付第二期", "due_date": "2026-05-20"},
            {"description": "支付第一期", "due_date": "2026-04-10"},
        ])
    # then the follow-up visit is due at the end of 4 June
    assert data["status"] == "agreed"
    assert data["deadline"]["kind"] == "follow_up"
    assert parse(data["deadline"]["due_at"]) == local(2026, 6, 4)
    assert close_to(parse(data["deadline"]["started_at"]), local(2026, 3, 10, 10, 0, 0))


def test_judicial_confirmation_window_is_30_days_from_the_agreement(demo, api):
    # given a case in village mediation
    case_id = bring_to(Status.VILLAGE_MEDIATION).pk
    # when an agreement signed by every party and sealed is recorded on 10 March
    with clock.travel_to(local(2026, 3, 10, 10, 0, 0)):
        data = fire(api, "mediator1", case_id, "record_agreement", **in_force(case_id, {
            "terms": "赔偿800元", "obligations": [{"description": "付款", "due_date": "2026-03-15"}]}))
    # then the case shows a judicial confirmation countdown ending 9 April, beside the follow-up clock
    by_kind = {d["kind"]: d for d in data["deadlines"]}
    assert set(by_kind) == {"follow_up", "judicial_confirmation"}
    assert parse(by_kind["judicial_confirmation"]["due_at"]) == local(2026, 4, 9)
    assert parse(by_kind["follow_up"]["due_at"]) == local(2026, 3, 30)
    # and the stage's own clock, shown in lists, is the follow-up
    assert data["deadline"]["kind"] == "follow_up"


def test_judicial_confirmation_countdown_outlives_the_closing_of_the_case(demo, api):
    # given an agreement recorded on 10 March
    case_id = bring_to(Status.VILLAGE_MEDIATION).pk
    with clock.travel_to(local(2026, 3, 10, 10, 0, 0)):
        fire(api, "mediator1", case_id, "record_agreement", **in_force(case_id, {
            "terms": "赔偿800元", "obligations": [{"description": "付款", "due_date": "2026-03-15"}]}))
    # when the follow-up visit closes the case on 20 March
    with clock.travel_to(local(2026, 3, 20, 10, 0, 0)):
        data = fire(api, "mediator1", case_id, "close", fulfilled=True, satisfaction="satisfied")
    # then the follow-up clock is met and the parties' 30-day window still counts down
    assert data["status"] == "closed"
    assert ("follow_up", "met") in clocks(case_id)
    assert [(d["kind"], d["state"]) for d in data["deadlines"]] == [("judicial_confirmation", "running")]


def test_reopening_cancels_the_judicial_confirmation_window(demo, api):
    # given an agreed case
    case_id = bring_to(Status.AGREED).pk
    # when a party reneges and the case is reopened
    data = fire(api, "head1", case_id, "reopen", reason="一方反悔")
    # then the window is cancelled, the follow-up met, and village mediation runs again
    states = dict(CaseDeadline.objects.filter(case_id=case_id, kind__in=["follow_up", "judicial_confirmation"])
                  .values_list("kind", "state"))
    assert states == {"follow_up": "met", "judicial_confirmation": "cancelled"}
    assert open_kinds(data) == {"village_mediation"}


# --- pause and resume ---


def pause(api, case_id: int, who: str = "head1", **body):
    return api(who).post(f"{CASES}{case_id}/deadline/pause/", body, format="json")


def resume(api, case_id: int, who: str = "head1", **body):
    return api(who).post(f"{CASES}{case_id}/deadline/resume/", body, format="json")


def test_paused_clock_moves_its_due_date_by_the_time_it_stood_still(demo, api):
    # given a case filed on Monday, due Thursday night
    with clock.travel_to(MON_0302):
        case_id = file_via_api(api)["id"]
    original = CaseDeadline.objects.get(case_id=case_id)
    reason = "被申请人外出务工，暂时联系不上"

    # when the committee pauses its clock on Tuesday morning
    with clock.travel_to(local(2026, 3, 3, 10, 0, 0)):
        paused = pause(api, case_id, reason=reason)
    # then the clock shows as paused, with the reason
    assert paused.status_code == 200, paused.data
    assert paused.data["deadline"]["state"] == "paused"
    assert paused.data["deadline"]["pause_reason"] == reason
    assert close_to(parse(paused.data["deadline"]["paused_at"]), local(2026, 3, 3, 10, 0, 0))

    # and when it is resumed three days later
    with clock.travel_to(local(2026, 3, 6, 10, 0, 0)):
        resumed = resume(api, case_id, note="已联系上")
    # then due and warning moments moved by three days
    assert resumed.status_code == 200, resumed.data
    deadline = resumed.data["deadline"]
    assert deadline["state"] == "running" and deadline["paused_at"] is None
    assert close_to(parse(deadline["due_at"]), original.due_at + dt.timedelta(days=3))
    assert close_to(parse(deadline["warn_at"]), original.warn_at + dt.timedelta(days=3))

    # and the timeline records both, with the reason
    events = resumed.data["events"]
    assert [e["action"] for e in events] == ["file", "pause_clock", "resume_clock"]
    assert events[1]["note"] == reason
    assert events[1]["actor"]["username"] == "head1"
    assert abs(events[2]["data"]["paused_seconds"] - 3 * 86400) <= 5
    assert events[2]["note"] == "已联系上"


def test_paused_clock_is_not_overdue_while_it_stands_still(demo, api):
    # given a case filed Monday whose clock was paused on Tuesday
    with clock.travel_to(MON_0302):
        case_id = file_via_api(api)["id"]
    original_due = CaseDeadline.objects.get(case_id=case_id).due_at
    with clock.travel_to(local(2026, 3, 3, 10, 0, 0)):
        assert pause(api, case_id, reason="当事人住院").status_code == 200
    assert CaseDeadline.objects.get(case_id=case_id).state == "paused"
    # when the list is read after the original due date
    with clock.travel_to(local(2026, 3, 9, 10, 0, 0)):
        client = api("head1")
        # then the case is not overdue
        assert client.get(CASES, {"overdue": "true"}).data["count"] == 0
        assert client.get(f"{CASES}{case_id}/").data["deadline"]["overdue"] is False
        # and once resumed with six days credited, it still is not
        assert resume(api, case_id).status_code == 200
        assert client.get(CASES, {"overdue": "true"}).data["count"] == 0
    # and the clock runs again, due six days later than it was
    resumed = CaseDeadline.objects.get(case_id=case_id)
    assert (resumed.state, resumed.paused_at) == ("running", None)
    assert close_to(resumed.due_at, original_due + dt.timedelta(days=6))


def test_pausing_twice_is_a_conflict_and_changes_nothing(demo, api):
    # given a paused clock
    case_id = file_via_api(api)["id"]
    assert pause(api, case_id, reason="当事人外出").status_code == 200
    before = snapshot(case_id)
    paused_at = CaseDeadline.objects.get(case_id=case_id).paused_at
    # when it is paused again, then the caller gets a 409 and nothing changes
    response = pause(api, case_id, reason="再次暂停")
    assert response.status_code == 409
    assert response.data["code"] == "invalid_transition"
    assert snapshot(case_id) == before
    assert CaseDeadline.objects.get(case_id=case_id).paused_at == paused_at


def test_resuming_a_running_clock_is_a_conflict(demo, api):
    # given a running clock, when it is resumed, then 409 and nothing changes
    case_id = file_via_api(api)["id"]
    before = snapshot(case_id)
    response = resume(api, case_id)
    assert response.status_code == 409
    assert snapshot(case_id) == before


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": "原" * 201}])
def test_pause_without_a_usable_reason_is_a_400(demo, api, body):
    # given a running clock
    case_id = file_via_api(api)["id"]
    before = snapshot(case_id)
    # when paused without a reason (or with a blank or too long one), then 400 naming reason
    response = pause(api, case_id, **body)
    assert response.status_code == 400
    assert "reason" in response.data
    assert snapshot(case_id) == before
    assert CaseDeadline.objects.get(case_id=case_id).state == "running"


def test_closed_case_has_no_clock_to_pause(demo, api):
    # given a withdrawn case, when its clock is paused, then 409 and nothing changes
    case_id = bring_to(Status.CLOSED).pk
    before = snapshot(case_id)
    assert pause(api, case_id, reason="当事人外出").status_code == 409
    assert snapshot(case_id) == before
    assert not CaseDeadline.objects.filter(case_id=case_id, ended_at__isnull=True).exists()


@pytest.mark.parametrize("who", ["super1", "county1"])
def test_supervisors_cannot_pause_a_clock(demo, api, who):
    # given a case in the supervisor's jurisdiction, when they pause its clock, then 403 and nothing changes
    case_id = file_via_api(api)["id"]
    before = snapshot(case_id)
    assert pause(api, case_id, who=who, reason="督导暂停").status_code == 403
    assert snapshot(case_id) == before


def test_clock_of_a_case_outside_ones_jurisdiction_is_not_found(demo, api):
    # given a case of 枫桥镇, when grid2 (店口镇) pauses its clock, then it does not exist for them
    case_id = file_via_api(api)["id"]
    before = snapshot(case_id)
    assert pause(api, case_id, who="grid2", reason="x").status_code == 404
    # and the clock keeps running, nothing changed
    assert snapshot(case_id) == before
    assert list(CaseDeadline.objects.filter(case_id=case_id).values_list("state", "paused_at")) == [("running", None)]


def test_unknown_clock_action_is_not_found(demo, api):
    # given a running clock, when an unknown action is posted, then 404 and nothing changes
    case_id = file_via_api(api)["id"]
    before = snapshot(case_id)
    assert api("head1").post(f"{CASES}{case_id}/deadline/stop/", {}, format="json").status_code == 404
    assert snapshot(case_id) == before
