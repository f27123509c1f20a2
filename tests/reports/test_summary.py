"""`GET /api/v1/stats/summary/`: every figure equals a brute-force recomputation from the events,
the past stays as it was, children add up to their parent, and the scope holds."""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from actions import services
from casework.choices import Outcome, RegionLevel, Role, Status
from casework.models import Case, CaseEvent, Region, RoleAssignment, User
from tests.conftest import api_client, file_case, frozen_clock, generated_county
from tests.flows.helpers import fire_deadlines

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2027, 3, 9, 15, 0, tzinfo=SHANGHAI)
GENERATED = NOW - dt.timedelta(days=120)
SEEDS = [3, 11]
RANGE = {"from": "2023-01-01", "to": "2027-12-31"}
CLOSING = {"resolve_on_spot", "decline", "withdraw", "merge", "close_unresolved", "record_referral_outcome", "close"}
MEDIATING = {Status.VILLAGE_MEDIATION, Status.TOWNSHIP_MEDIATION}
RUNG_OUTCOME = {Status.VILLAGE_MEDIATION: "resolved_village", Status.TOWNSHIP_MEDIATION: "resolved_township",
                Status.REFERRED: "resolved_channel"}
RESOLVED = {"resolved_grid", "resolved_village", "resolved_township", "resolved_channel"}


@pytest.fixture(scope="module", params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def generated(request, topology_snapshot, django_db_blocker):
    """The demo county with 60 past cases of one seed generated four months before NOW, some late;
    the clock frozen at NOW for the module's tests; rolled back after them."""
    with generated_county(topology_snapshot, django_db_blocker, seed=request.param, generated_at=GENERATED, now=NOW):
        # The generator breaches no deadline: four months on, the cases left open breach theirs, and
        # half of those are then withdrawn, so that some concluded cases were late.
        fire_deadlines(NOW)
        _withdraw_half_of_the_late()
        yield request.param


def _withdraw_half_of_the_late() -> None:
    late = Case.objects.open().filter(events__action="deadline_breached").distinct().order_by("pk")
    admin = User.objects.get(username="admin")
    for case in list(late)[::2]:
        services.case_withdraw(case_id=case.pk, actor=admin, note="当事人申请撤回")


@pytest.fixture
def cases(generated, db):
    with frozen_clock(NOW):
        yield Case.objects.all()


def summary(username: str, **params) -> dict:
    response = api_client(username).get("/api/v1/stats/summary/", {**RANGE, **params})
    assert response.status_code == 200, response.content
    return response.json()


def brute_force(*, path: str = "", as_of: dt.datetime | None = None, start=dt.date(2023, 1, 1),
                end=dt.date(2027, 12, 31)) -> dict:
    """The figures recomputed case by case in plain Python, from every event of every case."""
    as_of = as_of or timezone.now()
    by_case = defaultdict(list)
    for event in CaseEvent.objects.order_by("case_id", "seq"):
        if event.created_at <= as_of:
            by_case[event.case_id].append(event)
    regions = dict(Case.objects.values_list("id", "region_path"))
    types = dict(Case.objects.values_list("id", "dispute_type"))
    f = Counter()
    by_status, by_outcome, by_type, months = Counter(), Counter(), Counter(), defaultdict(Counter)
    reached = Counter({"grid": 0, "village": 0, "township": 0, "channel": 0})
    days = 0.0
    for case_id, events in by_case.items():
        filing = events[0]
        filed_on = timezone.localtime(filing.created_at, SHANGHAI).date()
        assert filing.action == "file"
        if not (start <= filed_on <= end) or not (not path or regions[case_id] == path or regions[case_id].startswith(path + ".")):
            continue
        month = filed_on.strftime("%Y-%m")
        f["filed"] += 1
        months[month]["filed"] += 1
        by_status[events[-1].target_status] += 1
        by_type[types[case_id]] += 1
        statuses = {e.target_status for e in events}
        reached["grid"] += 1
        reached["village"] += bool(statuses & {"village_mediation", "township_triage", "township_mediation", "referred"})
        reached["township"] += bool(statuses & {"township_triage", "township_mediation", "referred"})
        reached["channel"] += "referred" in statuses
        ending = next((e for e in events if e.action in CLOSING), None)
        if ending is None:
            continue
        agreement = [e for e in events if e.action == "record_agreement"]
        outcome = {
            "resolve_on_spot": "resolved_grid", "decline": "declined", "withdraw": "withdrawn",
            "merge": "merged", "close_unresolved": "unresolved",
            "record_referral_outcome": "resolved_channel" if ending.data.get("resolved") else "unresolved",
            "close": RUNG_OUTCOME[agreement[-1].source_status] if ending.data.get("fulfilled") else "unresolved",
        }[ending.action]
        by_outcome[outcome] += 1
        if outcome == "merged":
            continue
        f["concluded"] += 1
        months[month]["concluded"] += 1
        if not any(e.action == "deadline_breached" for e in events):
            f["on_time"] += 1
        if outcome in RESOLVED:
            f["resolved"] += 1
            months[month]["resolved"] += 1
            days += (ending.created_at - filing.created_at).total_seconds() / 86400
        if any(e.target_status in MEDIATING for e in events):
            f["mediated"] += 1
            f["mediated_agreed"] += ending.action == "close"
        if ending.action == "close":
            f["follow_ups"] += 1
            f["fulfilled"] += bool(ending.data["fulfilled"])
            f["satisfied"] += ending.data["satisfaction"] in ("satisfied", "basically_satisfied")

    def r(a, b):
        return a / b if b else None

    all_months = sorted({f"{y}-{m:02d}" for y in range(start.year, end.year + 1) for m in range(1, 13)
                         if (start.year, start.month) <= (y, m) <= (end.year, end.month)})
    return {
        "filed": f["filed"], "by_status": dict(by_status), "by_outcome": dict(by_outcome),
        "by_dispute_type": dict(by_type),
        "resolved_share_by_rung": {rung: r(by_outcome[f"resolved_{rung}"], f["resolved"])
                                   for rung in ("grid", "village", "township", "channel")},
        "reached_by_rung": dict(reached),
        "resolution_rate": r(f["resolved"], f["concluded"]),
        "mediation_success_rate": r(f["mediated_agreed"], f["mediated"]),
        "on_time_rate": r(f["on_time"], f["concluded"]),
        "mean_days_to_resolution": r(days, f["resolved"]),
        "satisfaction_rate": r(f["satisfied"], f["follow_ups"]),
        "settled_in_village_share": r(by_outcome["resolved_grid"] + by_outcome["resolved_village"], f["concluded"]),
        "fulfilment_rate": r(f["fulfilled"], f["follow_ups"]),
        "by_month": [{"month": m, **{k: months[m][k] for k in ("filed", "concluded", "resolved")}}
                     for m in all_months],
    }


def figures(data: dict) -> dict:
    """The figures of a summary (or of one of its regions), rates rounded against float noise."""
    out = {k: v for k, v in data.items() if k not in ("region", "from", "to", "as_of", "by_region")}
    for key in ("resolution_rate", "mediation_success_rate", "on_time_rate", "mean_days_to_resolution",
                "satisfaction_rate", "settled_in_village_share", "fulfilment_rate"):
        out[key] = None if out[key] is None else round(out[key], 9)
    out["resolved_share_by_rung"] = {k: None if v is None else round(v, 9)
                                     for k, v in out["resolved_share_by_rung"].items()}
    return out


def test_every_figure_equals_a_recomputation_from_the_events(cases):
    # given generated cases (the fixture) covering every outcome
    assert {Outcome.RESOLVED_VILLAGE, Outcome.RESOLVED_TOWNSHIP} <= set(cases.values_list("outcome", flat=True))

    # when the county supervisor asks for the summary of the whole range
    data = summary("county1")

    # then every figure is the one recomputed case by case from the events
    assert data["region"]["code"] == "330681" and data["filed"] == cases.count()
    assert figures(data) == figures(brute_force())
    assert 0 < data["on_time_rate"] < 1 and 0 < data["satisfaction_rate"] <= 1


@pytest.mark.parametrize("days_back", [150, 300, 600])
def test_a_past_summary_equals_the_recomputation_from_the_events_known_then(cases, days_back):
    # given a moment in the past
    as_of = NOW - dt.timedelta(days=days_back)

    # when the summary is asked as of it
    data = summary("county1", as_of=as_of.isoformat())

    # then it is the recomputation from the events dated at or before it
    assert figures(data) == figures(brute_force(as_of=as_of))
    assert data["filed"] < cases.count()


def test_a_past_summary_does_not_change_when_later_events_happen(cases):
    # given the summary as of a moment when a case was still open: a minute before the last closing
    last_closing = CaseEvent.objects.filter(action__in=CLOSING).latest("created_at")
    as_of = (last_closing.created_at - dt.timedelta(minutes=1)).isoformat()
    before = summary("county1", as_of=as_of)
    assert sum(n for status, n in before["by_status"].items() if status != Status.CLOSED) > 0

    # when things happen since: a new case is filed, and every case still open is withdrawn
    file_case("grid1")
    admin = User.objects.get(username="admin")
    open_cases = list(cases.exclude(status=Status.CLOSED))
    for case in open_cases:
        services.case_withdraw(case_id=case.pk, actor=admin, note="当事人申请撤回")
    now = summary("county1")

    # then the past summary is unchanged, and the present one saw what happened
    assert summary("county1", as_of=as_of) == before
    assert now["filed"] == Case.objects.count() and now["by_status"].get(Status.REPORTED, 0) == 0
    assert figures(now) == figures(brute_force())


ADDITIVE = ("filed", "by_status", "by_outcome", "by_dispute_type")


@pytest.mark.parametrize("code", ["330681", "330681108", "330681111001"])
def test_the_child_regions_figures_add_up_to_the_parents(cases, code):
    # given a region with children
    region = Region.objects.get(code=code)

    # when its summary is asked
    data = summary("county1", region=code)

    # then there is one entry per child, and their counts add up to the region's
    assert [c["region"]["code"] for c in data["by_region"]] == list(
        region.children.order_by("path").values_list("code", flat=True))
    for key in ADDITIVE[1:]:
        total = Counter()
        for child in data["by_region"]:
            total.update(child[key])
        assert +total == Counter(data[key]), key
    assert sum(c["filed"] for c in data["by_region"]) == data["filed"] == brute_force(path=region.path)["filed"]
    for i, month in enumerate(data["by_month"]):
        for key in ("filed", "concluded", "resolved"):
            assert sum(c["by_month"][i][key] for c in data["by_region"]) == month[key]
    # and each child's figures are its own recomputation
    for child in data["by_region"]:
        assert figures(child) == figures(brute_force(path=child["region"]["path"]))


def test_a_dianko_supervisor_never_counts_a_fengqiao_case_and_cannot_ask_for_fengqiao(cases):
    # given a supervisor of 店口镇 (grid2's township)
    dianko = Region.objects.get(name="店口镇", level=RegionLevel.TOWNSHIP)
    fengqiao = Region.objects.get(name="枫桥镇", level=RegionLevel.TOWNSHIP)
    boss = User.objects.create_user("super-dianko", password="x")
    RoleAssignment.objects.create(user=boss, role=Role.TOWNSHIP_SUPERVISOR, region=dianko)
    assert Case.objects.under(fengqiao.path).exists() and Case.objects.under(dianko.path).exists()

    # when they ask for their figures
    data = summary("super-dianko")

    # then only 店口镇's cases are counted, and 枫桥镇 (and the county) are not theirs to ask about
    assert data["region"]["code"] == dianko.code
    assert data["filed"] == Case.objects.under(dianko.path).count()
    assert figures(data) == figures(brute_force(path=dianko.path))
    client = api_client("super-dianko")
    for code in (fengqiao.code, "330681", fengqiao.children.first().code, "999999"):
        assert client.get("/api/v1/stats/summary/", {"region": code}).status_code == 404


@pytest.mark.parametrize("params, field", [
    ({"from": "2026-13-01"}, "from"),
    ({"to": "yesterday"}, "to"),
    ({"from": "2026-05-01", "to": "2026-04-30"}, "to"),
    ({"as_of": "not a moment"}, "as_of"),
    ({"from": "1990-01-01", "to": "2026-01-01"}, "to"),
])
def test_bad_input_is_a_400_with_field_errors(cases, params, field):
    response = api_client("county1").get("/api/v1/stats/summary/", params)
    assert response.status_code == 400
    assert field in response.json()


def test_the_default_range_is_this_year_and_rates_are_null_with_nothing_to_divide(cases):
    # when the summary is asked with no range, for a grid
    grid = Region.objects.filter(level=RegionLevel.GRID).order_by("path").first()
    data = api_client("county1").get("/api/v1/stats/summary/", {"region": grid.code}).json()

    # then it covers this year, month by month, and is the recomputation of it
    assert (data["from"], data["to"]) == ("2027-01-01", "2027-12-31")
    assert [m["month"] for m in data["by_month"]] == [f"2027-{m:02d}" for m in range(1, 13)]
    expected = brute_force(path=grid.path, start=dt.date(2027, 1, 1), end=dt.date(2027, 12, 31))
    assert figures(data) == figures(expected)
    assert data["by_region"] == []
    empty = api_client("county1").get("/api/v1/stats/summary/",
                                      {"region": grid.code, "from": "2001-01-01", "to": "2001-12-31"}).json()
    assert empty["filed"] == 0 and empty["resolution_rate"] is None and empty["resolved_share_by_rung"]["grid"] is None


def test_an_anonymous_caller_gets_no_figures(cases):
    response = api_client(None).get("/api/v1/stats/summary/")
    assert response.status_code in (401, 403)
    assert "filed" not in response.json()
