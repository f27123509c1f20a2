"""Closing after the follow-up visit (回访): only an agreement in force is followed up; one found
unperformed closes the case as unresolved, never as resolved; closing before an obligation falls
due needs a reason."""
from __future__ import annotations

import pytest

from actions import services
from casework import clock
from casework.choices import Status
from tests.conftest import agreement_in_force, bring_to, user
from tests.mediation.support import at, events, fire, post, records
from ui.selectors import county_overview

CLOSING = {"fulfilled": True, "satisfaction": "satisfied"}


def agreed(**agreement) -> int:
    with clock.travel_to(at(2026, 3, 10)):
        case = bring_to(Status.VILLAGE_MEDIATION)
        services.case_record_agreement(case_id=case.pk, actor=user("mediator1"),
                                       **{**agreement_in_force(case), **agreement})
    return case.pk


def close(api, case_id: int, day: int = 20, **body):
    with clock.travel_to(at(2026, 3, day)):
        return post(api, "mediator1", case_id, "transitions/close/", {**CLOSING, **body})


def test_an_agreement_performed_closes_as_resolved_at_the_village(demo, api):
    case_id = agreed()
    response = close(api, case_id)
    assert response.status_code == 200, response.data
    assert (response.data["status"], response.data["outcome"]) == ("closed", "resolved_village")


def test_an_agreement_found_unperformed_closes_as_unresolved_and_is_not_counted_resolved(demo, api):
    # given an agreement in force, whose follow-up finds the respondent never paid
    case_id = agreed()
    before = records(case_id)
    # when it is closed without saying what the parties were told, then 400 and nothing changed
    refused = close(api, case_id, fulfilled=False)
    assert refused.status_code == 400 and "note" in refused.data
    assert records(case_id) == before
    # when it is closed saying so, then the case is closed as unresolved
    closed = close(api, case_id, fulfilled=False, note="被申请人拒不履行，已告知申请人可向法院申请司法确认后强制执行或起诉。")
    assert closed.status_code == 200, closed.data
    assert (closed.data["status"], closed.data["outcome"]) == ("closed", "unresolved")
    # and the county overview does not count it as settled at the village
    row = next(r for r in county_overview(user("county1")) if r.region.name == "枫桥镇")
    assert row.by_outcome.get("unresolved") == 1 and row.resolved == 0 and row.share_village == 0


def test_closing_before_an_obligation_falls_due_needs_a_reason(demo, api):
    # given an agreement whose obligation falls due on 31 March
    with clock.travel_to(at(2026, 3, 10)):
        case = bring_to(Status.VILLAGE_MEDIATION)
        services.case_record_agreement(case_id=case.pk, actor=user("mediator1"), **agreement_in_force(case, due_in_days=21))
    case_id = case.pk
    before = records(case_id)
    # when it is closed on 20 March as performed without a reason, then 400 naming the due date
    refused = close(api, case_id)
    assert refused.status_code == 400 and "note" in refused.data and "2026-03-31" in str(refused.data["note"])
    assert records(case_id) == before
    # when the reason is given, then it closes as resolved
    closed = close(api, case_id, note="被申请人已提前一次性付清。")
    assert closed.status_code == 200 and closed.data["outcome"] == "resolved_village"


@pytest.mark.parametrize("agreement", [
    {"signatures": [], "sealed": False},  # complete but unsigned
    {"facts": "", "signatures": [], "sealed": False},  # a draft
])
def test_an_agreement_not_in_force_is_not_followed_up_and_closed(demo, api, agreement):
    case_id = agreed(**agreement)
    before = records(case_id)
    response = close(api, case_id)
    assert response.status_code == 409 and response.data["code"] == "invalid_transition"
    assert records(case_id) == before
    # the way out is to reopen it (or to get it signed)
    fire(api, "head1", case_id, "reopen", reason="当事人拒绝签字")
    assert events(case_id)[-1] == "reopen"
