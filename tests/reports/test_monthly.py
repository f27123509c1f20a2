"""The monthly screening reports (矛盾纠纷排查化解月报): zero reports, immutable snapshots with
their digest, figures equal to the statistics and to a recomputation from the events, the
command, the background job, the API (JSON and xlsx), the pages, and the scope."""
from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from actions import services
from casework.choices import RegionLevel, RiskLevel, Role
from casework.models import Case, CaseEvent, Region, RoleAssignment, User
from reports import monthly, stats
from reports.models import ExportRecord, MonthlyReport
from tests.conftest import api_client, file_case, frozen_clock, generated_county, user

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2027, 3, 9, 15, 0, tzinfo=SHANGHAI)
GENERATED = NOW - dt.timedelta(days=120)
SEED = 3
MONTH = "2026-10"  # a month of the generated history with cases filed, concluded and carried over
EMPTY_MONTH = "2023-09"  # before the first generated case
CLOSING = set(stats.CLOSING)
REPORTING = 9  # the demo county: 1 county, 2 townships, 6 villages


@pytest.fixture(scope="module")
def generated(topology_snapshot, django_db_blocker):
    """The demo county with 60 past cases (seed 3) generated four months before NOW, the clock
    frozen at NOW for the module's tests; rolled back after them."""
    with generated_county(topology_snapshot, django_db_blocker, seed=SEED, generated_at=GENERATED, now=NOW):
        yield SEED


@pytest.fixture
def cases(generated, db):
    with frozen_clock(NOW):
        yield Case.objects.all()


def reports(month: str = MONTH) -> dict[str, MonthlyReport]:
    return {r.region.code: r for r in MonthlyReport.objects.filter(month=month).select_related("region")}


def stored(month: str = MONTH) -> dict[str, tuple]:
    """What must never change about the stored reports."""
    return {code: (r.pk, r.zero_report, r.figures, r.digest, r.as_of, r.generated_at)
            for code, r in reports(month).items()}


def dianko_supervisor() -> User:
    dianko = Region.objects.get(name="店口镇", level=RegionLevel.TOWNSHIP)
    boss = User.objects.create_user("super-dianko", password="x")
    RoleAssignment.objects.create(user=boss, role=Role.TOWNSHIP_SUPERVISOR, region=dianko)
    return boss


def brute_force_flow(path: str, month: monthly.Month) -> dict:
    """The month's flow figures recomputed case by case in plain Python, from every event."""
    by_case: dict[int, list[CaseEvent]] = {}
    for event in CaseEvent.objects.order_by("case_id", "seq"):
        by_case.setdefault(event.case_id, []).append(event)
    regions = dict(Case.objects.values_list("id", "region_path"))
    f = Counter()
    for case_id, events in by_case.items():
        if not (regions[case_id] == path or regions[case_id].startswith(path + ".")):
            continue
        filing = events[0]
        ending = next((e for e in events if e.action in CLOSING), None)
        if filing.created_at > month.as_of or (ending and ending.created_at < month.since):
            continue
        f["carried_over" if filing.created_at < month.since else "filed"] += 1
        closed_in_month = ending is not None and ending.created_at <= month.as_of
        if not closed_in_month:
            f["open_at_end"] += 1
        elif ending.action == "merge":
            f["merged"] += 1
        else:
            f["concluded"] += 1
        high = filing.data.get("risk_level") == RiskLevel.HIGH or any(
            e.action == "raise_risk" and e.data.get("to") == RiskLevel.HIGH and e.created_at <= month.as_of
            for e in events)
        f["major_risk"] += high
        f["major_risk_open"] += high and not closed_in_month
    return {k: f[k] for k in ("carried_over", "filed", "concluded", "merged", "open_at_end", "major_risk",
                              "major_risk_open")}


# --- zero reports and the snapshot -------------------------------------------------------------


def test_a_village_with_no_case_in_the_month_gets_a_zero_report_and_the_others_do_not(cases):
    # given a month in which one village had no case at all (none filed, none on its books)
    month = monthly.Month.parse(MONTH)
    quiet = [v for v in Region.objects.filter(level=RegionLevel.VILLAGE)
             if not any(brute_force_flow(v.path, month).values())]
    busy = [v for v in Region.objects.filter(level=RegionLevel.VILLAGE) if v not in quiet]
    assert quiet and busy

    # when the month is generated
    result = monthly.generate_month(MONTH)

    # then every reporting region has a report; the quiet village's is a zero report, without anyone typing it
    assert (result.created, result.present, result.mismatched) == (REPORTING, 0, [])
    stored_reports = reports()
    for village in quiet:
        report = stored_reports[village.code]
        assert report.zero_report is True
        assert report.figures["filed"] == report.figures["open_at_end"] == report.figures["concluded"] == 0
    for village in busy:
        assert stored_reports[village.code].zero_report is False
    assert stored_reports["330681"].zero_report is False


def test_a_month_before_any_case_is_a_zero_report_everywhere(cases):
    monthly.generate_month(EMPTY_MONTH)
    assert {code: r.zero_report for code, r in reports(EMPTY_MONTH).items()} == {
        code: True for code in Region.objects.exclude(level=RegionLevel.GRID).values_list("code", flat=True)}


def test_generating_a_month_twice_changes_nothing(cases):
    # given the month generated once
    monthly.generate_month(MONTH)
    before = stored()

    # when it is generated again, now and a month later
    again = monthly.generate_month(MONTH)
    with frozen_clock(NOW + dt.timedelta(days=40)):
        later = monthly.generate_month(MONTH)

    # then nothing changed: the same rows, digests and generated_at; nothing mismatched
    assert (again.created, again.present, again.mismatched) == (0, REPORTING, [])
    assert (later.created, later.present, later.mismatched) == (0, REPORTING, [])
    assert stored() == before
    assert MonthlyReport.objects.count() == REPORTING


def test_the_digest_is_the_sha256_of_the_canonical_json(cases):
    import hashlib
    import json

    monthly.generate_month(MONTH)
    report = reports()["330681"]
    canonical = json.dumps({"region": "330681", "month": MONTH, "zero_report": report.zero_report,
                            "figures": report.figures}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert report.digest == hashlib.sha256(canonical.encode()).hexdigest()
    assert report.as_of == monthly.Month.parse(MONTH).as_of


def test_what_happens_after_the_month_does_not_change_its_report(cases):
    # given the month's reports, with cases still open at its end
    monthly.generate_month(MONTH)
    before = stored()
    assert before["330681"][2]["open_at_end"] > 0

    # when, afterwards, every open case is closed, one is raised to high risk first, and a new case is filed
    admin = User.objects.get(username="admin")
    open_cases = list(Case.objects.open().order_by("pk"))
    services.case_raise_risk(case_id=open_cases[0].pk, actor=admin, risk_level=RiskLevel.HIGH, reason="矛盾激化")
    for case in Case.objects.open():
        services.case_withdraw(case_id=case.pk, actor=admin, note="当事人申请撤回")
    file_case("grid1")

    # then the stored reports are as they were, and regenerating finds no mismatch: the
    # recomputation as of the month's end is still the same
    result = monthly.generate_month(MONTH)
    assert (result.created, result.mismatched) == (0, [])
    assert stored() == before
    fresh = monthly.compute_month(monthly.report_regions(), monthly.Month.parse(MONTH))
    assert {r.code: fresh[r.pk].digest for r in monthly.report_regions()} == {c: v[3] for c, v in before.items()}


def test_a_month_not_over_cannot_be_generated(cases):
    with pytest.raises(monthly.MonthNotOver):
        monthly.generate_month("2027-03")
    with pytest.raises(CommandError, match="not over"):
        call_command("monthly_reports", "--month", "2027-03", stdout=io.StringIO())
    assert not MonthlyReport.objects.exists()


# --- the figures -------------------------------------------------------------------------------


@pytest.mark.parametrize("month", ["2024-12", "2025-11", "2026-07", MONTH])
def test_the_flow_figures_equal_a_recomputation_from_the_events(cases, month):
    monthly.generate_month(month)
    parsed = monthly.Month.parse(month)
    for code, report in reports(month).items():
        figures = report.figures
        expected = brute_force_flow(report.region.path, parsed)
        assert {k: figures[k] for k in expected} == expected, code
        # they add up: what was on the books was concluded, merged, or is still open
        assert figures["carried_over"] + figures["filed"] == (
            figures["concluded"] + figures["merged"] + figures["open_at_end"])
        assert sum(figures["resolved_by_rung"].values()) == figures["resolved"] <= figures["concluded"]
        for key in monthly.FLOW_BY_TYPE:
            assert sum(row[key] for row in figures["by_dispute_type"].values()) == figures[key]


def test_a_reports_summary_is_the_statistics_of_the_month_as_of_its_end(cases):
    # given the month's reports
    monthly.generate_month(MONTH)
    month = monthly.Month.parse(MONTH)

    for code in ("330681", "330681108", "330681108003"):
        report = reports()[code]
        # then its summary is what summarize gives for the region and the month, as of its end
        direct = stats.summarize(paths=[report.region.path], start=month.first_day, end=month.last_day,
                                 as_of=month.as_of)
        assert report.figures["summary"] == monthly.rounded(direct.total.as_dict([MONTH]))
        assert report.figures["summary"]["filed"] == report.figures["filed"]
        # and what the statistics API says for it
        api = api_client("county1").get("/api/v1/stats/summary/", {
            "region": code, "from": month.first_day.isoformat(), "to": month.last_day.isoformat(),
            "as_of": month.as_of.isoformat()}).json()
        assert api["filed"] == report.figures["filed"]
        assert api["by_outcome"] == report.figures["summary"]["by_outcome"]


ADDITIVE = ("carried_over", "filed", "concluded", "resolved", "merged", "open_at_end", "major_risk")


@pytest.mark.parametrize("month", ["2024-12", MONTH])
def test_village_reports_add_up_to_their_townships_and_townships_to_the_county(cases, month):
    monthly.generate_month(month)
    by_code = reports(month)
    for parent in Region.objects.filter(level__in=[RegionLevel.COUNTY, RegionLevel.TOWNSHIP]):
        children = [by_code[c.code].figures for c in parent.children.all()]
        for key in ADDITIVE:
            assert sum(c[key] for c in children) == by_code[parent.code].figures[key], (parent.code, key)
    assert sum(by_code[v.code].figures["filed"] for v in Region.objects.filter(level=RegionLevel.VILLAGE)) \
        == by_code["330681"].figures["filed"] == Case.objects.filter(
            created_at__gte=monthly.Month.parse(month).since, created_at__lt=monthly.Month.parse(month).until).count()


def test_generation_takes_one_summary_and_one_flow_query_for_the_whole_county(cases, django_assert_num_queries):
    # the reporting regions, the stored reports, the villages; one summary and one flow statement
    # for the county, split by village; then one insert (in a savepoint) per report
    with django_assert_num_queries(5 + 3 * REPORTING):
        monthly.generate_month(MONTH)
    # and when every report is there: no write at all
    with django_assert_num_queries(5):
        monthly.generate_month(MONTH)


# --- the command and the job -------------------------------------------------------------------


def test_the_command_is_idempotent_and_prints_its_counts(cases):
    out = io.StringIO()
    call_command("monthly_reports", "--month", MONTH, stdout=out)
    assert out.getvalue().strip() == f"{MONTH}: {REPORTING} created, 0 already present, 0 mismatched"
    out = io.StringIO()
    call_command("monthly_reports", "--month", MONTH, stdout=out)
    assert out.getvalue().strip() == f"{MONTH}: 0 created, {REPORTING} already present, 0 mismatched"


def test_the_command_for_one_region_generates_its_subtree_only(cases):
    out = io.StringIO()
    call_command("monthly_reports", "--month", MONTH, "--region", "330681111", stdout=out)
    assert sorted(reports()) == ["330681111", "330681111001", "330681111002", "330681111003"]
    # and they are the same reports the whole county's generation makes
    subtree = stored()
    MonthlyReport.objects.all().delete()
    monthly.generate_month(MONTH)
    assert {c: v[3] for c, v in subtree.items()} == {c: v[3] for c, v in stored().items() if c in subtree}


def test_the_command_defaults_to_the_month_just_ended(cases):
    out = io.StringIO()
    call_command("monthly_reports", stdout=out)
    assert out.getvalue().startswith("2027-02: ")


def test_an_edited_report_is_a_mismatch_the_command_reports_and_leaves_as_it_is(cases):
    # given the month generated, then one stored report edited in the database
    call_command("monthly_reports", "--month", MONTH, stdout=io.StringIO())
    village = reports()["330681108001"]
    edited = {**village.figures, "filed": village.figures["filed"] + 5}
    MonthlyReport.objects.filter(pk=village.pk).update(figures=edited)

    # when the command runs again
    out = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("monthly_reports", "--month", MONTH, stdout=out)

    # then it says so, with a non-zero exit code, and overwrites nothing
    assert refused.value.returncode == 2 and "330681108001" in str(refused.value)
    assert out.getvalue().strip() == f"{MONTH}: 0 created, {REPORTING} already present, 1 mismatched"
    assert MonthlyReport.objects.get(pk=village.pk).figures == edited


def test_an_edited_digest_is_a_mismatch_too(cases):
    monthly.generate_month(MONTH)
    report = reports()["330681"]
    MonthlyReport.objects.filter(pk=report.pk).update(digest="0" * 64)
    assert monthly.generate_month(MONTH).mismatched == ["330681"]


def test_the_worker_job_generates_last_month_at_a_month_start_then_costs_one_query(
        cases, django_assert_num_queries):
    # given the first hour of March (local time)
    with frozen_clock(dt.datetime(2027, 3, 1, 0, 30, tzinfo=SHANGHAI)):
        # when the job runs, then February's reports are generated
        assert monthly.generate_last_month_job() == REPORTING
        assert len(reports("2027-02")) == REPORTING
        # and when it runs again, one EXISTS query, nothing else
        with django_assert_num_queries(1):
            assert monthly.generate_last_month_job() == 0
    # and for the rest of March it has nothing to do
    with frozen_clock(dt.datetime(2027, 3, 31, 23, 59, tzinfo=SHANGHAI)):
        assert monthly.generate_last_month_job() == 0


def test_the_job_is_a_configured_background_job(settings):
    assert ("reports.monthly.generate_last_month_job", 3600) in settings.BACKGROUND_JOBS


# --- the API -----------------------------------------------------------------------------------


def test_the_api_gives_the_stored_report_and_404_until_generated(cases):
    client = api_client("county1")
    assert client.get("/api/v1/reports/monthly/", {"region": "330681", "month": MONTH}).status_code == 404
    monthly.generate_month(MONTH)
    response = client.get("/api/v1/reports/monthly/", {"region": "330681108003", "month": MONTH})
    assert response.status_code == 200
    data = response.json()
    report = reports()["330681108003"]
    assert data["region"]["code"] == "330681108003" and data["month"] == MONTH
    assert data["digest"] == report.digest and data["figures"] == report.figures
    assert data["zero_report"] is report.zero_report and data["generated_at"]
    # the default region is the caller's jurisdiction root
    assert client.get("/api/v1/reports/monthly/", {"month": MONTH}).json()["region"]["code"] == "330681"


@pytest.mark.parametrize("month", ["2026-13", "26-10", "2026-1", "October"])
def test_a_bad_month_is_a_400(cases, month):
    response = api_client("county1").get("/api/v1/reports/monthly/", {"month": month})
    assert response.status_code == 400 and "month" in response.json()


def test_the_xlsx_download_holds_the_figures_and_the_digest_and_is_recorded(cases):
    # given the month's reports
    monthly.generate_month(MONTH)
    report = reports()["330681108"]

    # when the township's supervisor downloads it as xlsx
    response = api_client("super1").get("/api/v1/reports/monthly/",
                                        {"region": "330681108", "month": MONTH, "format": "xlsx"})

    # then it is a workbook holding the figures, the digest at its foot
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    text = "\n".join(str(c) for row in cells for c in row if c is not None)
    assert report.digest in text and "枫桥镇" in text
    numbers = {row[0]: row[1] for row in cells if row[0] and len(row) > 1 and isinstance(row[1], int | float)}
    assert numbers["本月新受理"] == report.figures["filed"]
    assert numbers["上月结转"] == report.figures["carried_over"]
    assert numbers["月末在办"] == report.figures["open_at_end"]
    # and the download is on record
    record = ExportRecord.objects.get()
    assert (record.user.username, record.kind, record.format, record.region_id) == (
        "super1", "monthly_report", "xlsx", report.region_id)
    assert record.params == {"region": "330681108", "month": MONTH}


def test_errors_stay_json_when_the_workbook_is_asked_for(cases):
    client = api_client("county1")
    missing = client.get("/api/v1/reports/monthly/", {"month": MONTH, "format": "xlsx"})
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    bad = client.get("/api/v1/reports/monthly/", {"month": "2026-13", "format": "xlsx"})
    assert bad.status_code == 400 and "month" in bad.json()
    unknown = client.get("/api/v1/reports/monthly/", {"month": MONTH, "format": "pdf"})
    assert unknown.status_code == 400 and "format" in unknown.json()
    anonymous = api_client(None).get("/api/v1/reports/monthly/", {"month": MONTH, "format": "xlsx"})
    assert anonymous.status_code in (401, 403) and anonymous["Content-Type"].startswith("application/json")
    assert not ExportRecord.objects.exists()


def test_the_list_gives_the_reports_of_the_region_and_below(cases):
    monthly.generate_month(MONTH)
    monthly.generate_month(EMPTY_MONTH)
    data = api_client("county1").get("/api/v1/reports/monthly/list/", {"region": "330681108"}).json()
    rows = data["results"]
    assert {(r["region"]["code"], r["month"]) for r in rows} == {
        (code, m) for code in ("330681108", "330681108001", "330681108002", "330681108003")
        for m in (MONTH, EMPTY_MONTH)}
    assert [r["month"] for r in rows] == sorted((r["month"] for r in rows), reverse=True)
    assert all(r["zero_report"] for r in rows if r["month"] == EMPTY_MONTH)
    only = api_client("county1").get("/api/v1/reports/monthly/list/", {"month": MONTH}).json()
    assert only["count"] == REPORTING


# --- jurisdiction ------------------------------------------------------------------------------


def test_a_dianko_supervisor_never_sees_a_fengqiao_report(cases):
    # given the month's reports and a supervisor of 店口镇
    monthly.generate_month(MONTH)
    dianko_supervisor()
    client = api_client("super-dianko")
    fengqiao = Region.objects.get(name="枫桥镇", level=RegionLevel.TOWNSHIP)

    # then 枫桥镇's reports, its villages' and the county's are 404, as JSON and as xlsx
    for code in (fengqiao.code, fengqiao.children.first().code, "330681"):
        for fmt in ("json", "xlsx"):
            assert client.get("/api/v1/reports/monthly/",
                              {"region": code, "month": MONTH, "format": fmt}).status_code == 404
    # and the list never holds one, asked for 枫桥镇 (404) or for everything
    assert client.get("/api/v1/reports/monthly/list/", {"region": fengqiao.code}).status_code == 404
    listed = {r["region"]["code"] for r in client.get("/api/v1/reports/monthly/list/").json()["results"]}
    assert listed == {"330681111", "330681111001", "330681111002", "330681111003"}
    # and their own default is their township
    assert client.get("/api/v1/reports/monthly/", {"month": MONTH}).json()["region"]["code"] == "330681111"
    # and the pages: the list shows no 枫桥镇 report, a 枫桥镇 report's page is a 404
    page = Client()
    page.force_login(User.objects.get(username="super-dianko"))
    listing = page.get("/reports/monthly/", {"month": MONTH}).content.decode()
    assert "店口镇" in listing and "枫桥镇" not in listing and "枫源村" not in listing
    assert page.get(f"/reports/monthly/{reports()[fengqiao.code].pk}/").status_code == 404
    assert page.get(f"/reports/monthly/{reports()['330681111'].pk}/").status_code == 200
    assert not ExportRecord.objects.exists()


# --- the pages ---------------------------------------------------------------------------------


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(user(username))
    return client


@pytest.mark.parametrize("username", ["super1", "county1", "center1", "head1"])
def test_the_monthly_reports_page_lists_the_reports_and_marks_zero_reports(cases, username):
    monthly.generate_month(MONTH)
    response = signed_in(username).get("/reports/monthly/", {"month": MONTH})
    assert response.status_code == 200
    page = response.content.decode()
    visible = monthly.report_regions(Region.objects.get(path=sorted(
        ra.region.path for ra in user(username).role_assignments.select_related("region"))[0]))
    for region in visible:
        assert f"/reports/monthly/{reports()[region.code].pk}/" in page
    zero = [r for r in visible if reports()[r.code].zero_report]
    assert page.count('class="badge zero-report"') == len(zero)
    assert 'href="/reports/monthly/"' in page  # the menu entry


@pytest.mark.parametrize("username", ["grid1", "mediator1"])
def test_others_get_a_403_and_no_menu_entry(cases, username):
    monthly.generate_month(MONTH)
    client = signed_in(username)
    assert client.get("/reports/monthly/").status_code == 403
    assert client.get(f"/reports/monthly/{reports()['330681108001'].pk}/").status_code == 403
    home = client.get("/search/").content.decode()
    assert 'href="/reports/monthly/"' not in home


def test_the_print_page_is_laid_out_for_a4_with_the_digest_at_its_foot(cases):
    monthly.generate_month(MONTH)
    report = reports()["330681108"]
    response = signed_in("super1").get(f"/reports/monthly/{report.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "@page" in page and "size: A4" in page
    assert report.digest in page
    assert f"/api/v1/reports/monthly/?region=330681108&amp;month={MONTH}&amp;format=xlsx" in page
    assert str(report.figures["carried_over"]) in page


def test_major_risk_counts_the_risk_as_it_stood_at_the_end_of_the_month(cases):
    # given, in January 2027, a case filed as high risk, one raised to high risk, and one raised
    # only in February; the first one closed in January
    admin = User.objects.get(username="admin")
    with frozen_clock(dt.datetime(2027, 1, 5, 10, 0, tzinfo=SHANGHAI)):
        filed_high = file_case("grid1", risk_level=RiskLevel.HIGH)
        raised = file_case("grid1")
        raised_later = file_case("grid2")
    with frozen_clock(dt.datetime(2027, 1, 20, 10, 0, tzinfo=SHANGHAI)):
        services.case_raise_risk(case_id=raised.pk, actor=admin, risk_level=RiskLevel.HIGH, reason="矛盾激化")
        services.case_withdraw(case_id=filed_high.pk, actor=admin, note="当事人申请撤回")
    with frozen_clock(dt.datetime(2027, 2, 3, 10, 0, tzinfo=SHANGHAI)):
        services.case_raise_risk(case_id=raised_later.pk, actor=admin, risk_level=RiskLevel.HIGH, reason="矛盾激化")

    # when January and February are generated
    monthly.generate_month("2027-01")
    monthly.generate_month("2027-02")

    # then January counts the two that were high risk by its end, one of them still open
    county = reports("2027-01")["330681"].figures
    assert (county["major_risk"], county["major_risk_open"]) == (2, 1)
    assert county == {**county, **brute_force_flow("330681", monthly.Month.parse("2027-01"))}
    # and February the two still open, both high risk by then
    february = reports("2027-02")["330681"].figures
    assert (february["major_risk"], february["major_risk_open"]) == (2, 2)
