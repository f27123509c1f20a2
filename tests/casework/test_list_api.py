"""Listing cases through GET /api/v1/cases/: filters, jurisdiction, pagination."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from casework import clock
from casework.choices import Status
from tests.conftest import bring_to, file_case

CASES = "/api/v1/cases/"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def ids(response) -> set[int]:
    assert response.status_code == 200, response.data
    return {row["id"] for row in response.data["results"]}


def test_status_filter_keeps_only_cases_in_that_status(demo, api):
    # given cases reported, in village mediation and in township triage
    reported = bring_to(Status.REPORTED)
    village = bring_to(Status.VILLAGE_MEDIATION)
    triage = bring_to(Status.TOWNSHIP_TRIAGE)
    client = api("county1")
    # when filtered by one status, then only those come back
    assert ids(client.get(CASES, {"status": "village_mediation"})) == {village.pk}
    # and when filtered by two, then both come back
    assert ids(client.get(CASES, {"status": ["reported", "township_triage"]})) == {reported.pk, triage.pk}
    # and with no filter, all three
    assert ids(client.get(CASES)) == {reported.pk, village.pk, triage.pk}


def test_dispute_type_filter_keeps_only_that_type(demo, api):
    # given a neighbourhood dispute and unpaid wages
    neighbours = file_case("grid1")
    wages = file_case("grid1", dispute_type="labor", title="欠薪纠纷")
    # when filtered by type, then each query returns its own case
    client = api("head1")
    assert ids(client.get(CASES, {"dispute_type": "labor"})) == {wages.pk}
    assert ids(client.get(CASES, {"dispute_type": "neighborhood"})) == {neighbours.pk}
    assert ids(client.get(CASES, {"dispute_type": "medical"})) == set()


def test_risk_level_filter_keeps_only_that_level(demo, api):
    # given a normal, an elevated and a high-risk case
    normal = file_case("grid1")
    elevated = file_case("grid1", risk_level="elevated")
    high = file_case("grid1", risk_level="high")
    client = api("center1")
    # when filtered by risk level, then only matching cases come back
    assert ids(client.get(CASES, {"risk_level": "elevated"})) == {elevated.pk}
    assert ids(client.get(CASES, {"risk_level": ["high", "normal"]})) == {high.pk, normal.pk}


def test_region_filter_matches_the_whole_subtree(demo, api):
    # given a case in each township, and one in the second grid of 枫源村
    fengqiao = file_case("grid1")
    dianko = file_case("grid2")
    client = api("county1")
    # when filtered by a township, then every case under it comes back, and none of the other
    assert ids(client.get(CASES, {"region": "330681108"})) == {fengqiao.pk}
    assert ids(client.get(CASES, {"region": "330681111"})) == {dianko.pk}
    # and by the village or the grid itself, the same case
    assert ids(client.get(CASES, {"region": "330681108001"})) == {fengqiao.pk}
    assert ids(client.get(CASES, {"region": "33068110800101"})) == {fengqiao.pk}
    # and by a sibling village or grid, nothing
    assert ids(client.get(CASES, {"region": "330681108002"})) == set()
    assert ids(client.get(CASES, {"region": "33068110800102"})) == set()
    # and by the county, both
    assert ids(client.get(CASES, {"region": "330681"})) == {fengqiao.pk, dianko.pk}


def test_region_filter_never_widens_the_callers_jurisdiction(demo, api):
    # given a case in 枫桥镇
    file_case("grid1")
    # when grid2 (店口镇) filters by 枫桥镇, then they see nothing
    response = api("grid2").get(CASES, {"region": "330681108"})
    assert ids(response) == set()
    assert response.data["count"] == 0


@pytest.mark.parametrize("code", ["999999", "33068110899", "330681.108"])
def test_unknown_region_code_is_a_400(demo, api, code):
    # given a region code that does not exist, when used as a filter, then the caller gets a 400
    file_case("grid1")
    response = api("county1").get(CASES, {"region": code})
    assert response.status_code == 400
    assert "region" in response.data


def test_overdue_filter_finds_cases_past_their_deadline(demo, api):
    # given a case filed on Monday (acceptance due Thursday night) and one filed on Friday
    with clock.travel_to(dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)):
        late = file_case("grid1")
    with clock.travel_to(dt.datetime(2026, 3, 6, 10, 0, tzinfo=SHANGHAI)):
        fresh = file_case("grid1")
        client = api("head1")
        # when listed on Friday with overdue=true, then only the Monday case comes back
        assert ids(client.get(CASES, {"overdue": "true"})) == {late.pk}
        # and with overdue=false, only the fresh one
        assert ids(client.get(CASES, {"overdue": "false"})) == {fresh.pk}
        # and the list row says so
        rows = {row["id"]: row for row in client.get(CASES).data["results"]}
        assert rows[late.pk]["deadline"]["overdue"] is True
        assert rows[fresh.pk]["deadline"]["overdue"] is False


def test_case_is_not_overdue_before_the_end_of_its_last_day(demo, api):
    # given a case filed on Monday morning
    with clock.travel_to(dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)):
        case = file_case("grid1")
    client = api("head1")
    # when listed late on Thursday, the third day, then it is not yet overdue
    with clock.travel_to(dt.datetime(2026, 3, 5, 23, 0, tzinfo=SHANGHAI)):
        assert ids(client.get(CASES, {"overdue": "true"})) == set()
    # and when listed early on Friday, then it is
    with clock.travel_to(dt.datetime(2026, 3, 6, 0, 1, tzinfo=SHANGHAI)):
        assert ids(client.get(CASES, {"overdue": "true"})) == {case.pk}


def test_closed_case_is_never_overdue(demo, api):
    # given a case withdrawn on the day it was filed
    with clock.travel_to(dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)):
        bring_to(Status.CLOSED)
    # when listed a month later with overdue=true, then it is not there
    with clock.travel_to(dt.datetime(2026, 4, 2, 10, 0, tzinfo=SHANGHAI)):
        assert ids(api("head1").get(CASES, {"overdue": "true"})) == set()


def test_assigned_to_me_keeps_the_cases_the_caller_mediates(demo, api):
    # given a case accepted with mediator1 assigned, and one still waiting for the village
    mine = bring_to(Status.VILLAGE_MEDIATION)
    waiting = bring_to(Status.REPORTED)
    # when mediator1 lists with assigned_to_me=true, then only their case comes back
    assert ids(api("mediator1").get(CASES, {"assigned_to_me": "true"})) == {mine.pk}
    # and with assigned_to_me=false, the other
    assert ids(api("mediator1").get(CASES, {"assigned_to_me": "false"})) == {waiting.pk}
    # and the head, who assigned but is not assigned, gets none
    assert ids(api("head1").get(CASES, {"assigned_to_me": "true"})) == set()


def test_filters_combine(demo, api):
    # given a reported labour case, a reported neighbourhood case and a labour case in mediation
    labour_reported = file_case("grid1", dispute_type="labor")
    file_case("grid1")
    bring_to(Status.VILLAGE_MEDIATION)
    # when both filters are given, then only cases matching both come back
    response = api("head1").get(CASES, {"status": "reported", "dispute_type": "labor"})
    assert ids(response) == {labour_reported.pk}


def test_list_is_paginated_newest_first(demo, api):
    # given five cases filed one after another
    filed = [file_case("grid1").pk for _ in range(5)]
    client = api("head1")
    # when the first page of two is read
    first = client.get(CASES, {"page_size": 2})
    # then it has the documented shape, the total and a link to the next page
    assert first.status_code == 200
    assert set(first.data) == {"count", "next", "previous", "results"}
    assert first.data["count"] == 5
    assert first.data["previous"] is None
    assert first.data["next"] is not None
    # and following next links visits every case once, newest first
    seen, response = [], first
    while True:
        seen += [row["id"] for row in response.data["results"]]
        if response.data["next"] is None:
            break
        response = client.get(response.data["next"])
        assert response.data["previous"] is not None
    assert seen == list(reversed(filed))


def test_empty_list_has_the_same_shape(demo, api):
    # given no cases, when listed, then the shape is still {count, next, previous, results}
    response = api("grid1").get(CASES)
    assert response.data == {"count": 0, "next": None, "previous": None, "results": []}


@pytest.mark.parametrize(("params", "field"), [
    ({"status": "pending"}, "status"),
    ({"status": ["reported", "archived"]}, "status"),
    ({"dispute_type": "fistfight"}, "dispute_type"),
    ({"risk_level": "extreme"}, "risk_level"),
    ({"overdue": "maybe"}, "overdue"),
    ({"assigned_to_me": "perhaps"}, "assigned_to_me"),
])
def test_invalid_filter_value_is_a_400_naming_the_filter(demo, api, params, field):
    # given a case, and a filter value that is not one of the documented ones
    file_case("grid1")
    # when listed with it, then the caller gets a 400 naming the filter, not a silently unfiltered list
    response = api("head1").get(CASES, params)
    assert response.status_code == 400, response.data
    assert field in response.data


def test_list_is_scoped_to_the_callers_jurisdiction(demo, api):
    # given a case in each township
    fengqiao = file_case("grid1")
    dianko = file_case("grid2")
    # when each side lists, then each sees only their own; the county sees both
    assert ids(api("center1").get(CASES)) == {fengqiao.pk}
    assert ids(api("grid2").get(CASES)) == {dianko.pk}
    assert ids(api("mediator2").get(CASES)) == set()  # 枫溪村: neither
    assert ids(api("county1").get(CASES)) == {fengqiao.pk, dianko.pk}


def test_anonymous_caller_is_refused(demo, api):
    # given no credentials, when listing, then the API refuses
    assert api(None).get(CASES).status_code in (401, 403)
