"""`GET /api/v1/reports/ledger/`: the 台账 as xlsx and CSV hold exactly the cases filed (or the
referrals sent) in the range, under Chinese headers, masked for supervisors and in the clear for
those who work the cases, within the caller's jurisdiction, and every export is on record."""
from __future__ import annotations

import csv
import datetime as dt
import io
import math
import zipfile
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from casework.choices import RegionLevel, Role
from casework.models import Case, Region, RoleAssignment, User
from casework.validators import mask_id_number, mask_name, mask_phone
from mediation.models import Referral
from mediation.selectors import current_agreement
from reports import ledgers
from reports.models import ExportRecord
from tests.conftest import api_client, file_case, frozen_clock, generated_county

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2027, 3, 9, 15, 0, tzinfo=SHANGHAI)
GENERATED = NOW - dt.timedelta(days=120)
# The generator files over three years before GENERATED: this range keeps some and leaves some out.
RANGE = {"from": "2025-01-01", "to": "2026-06-30"}
START, END = dt.date(2025, 1, 1), dt.date(2026, 6, 30)
URL = "/api/v1/reports/ledger/"
CASE_HEADERS = ["序号", "案件编号", "受理日期", "当事人", "联系电话", "身份证号", "纠纷类型", "简要案情", "所属镇（街道）",
                "所属村（社区）", "所属网格", "调解员", "调解结果", "协议履行", "回访", "结案日期"]
REFERRAL_HEADERS = ["序号", "案件编号", "当事人", "纠纷类型", "所属镇（街道）", "所属村（社区）", "所属网格", "分流日期",
                    "分流渠道", "接收单位", "签收日期", "回复日期", "处理结果"]
FENGQIAO, DIANKOU = "330681108", "330681111"


@pytest.fixture(scope="module")
def generated(topology_snapshot, django_db_blocker):
    """The demo county with 60 past cases generated four months before NOW (filed over the three
    years before), and a township supervisor of 店口镇; rolled back after the module."""
    with generated_county(topology_snapshot, django_db_blocker, seed=5, generated_at=GENERATED, now=NOW):
        boss = User.objects.create_user("super-dianko", password="x")
        RoleAssignment.objects.create(user=boss, role=Role.TOWNSHIP_SUPERVISOR, region=Region.objects.get(code=DIANKOU))
        yield


@pytest.fixture
def cases(generated, db):
    with frozen_clock(NOW):
        yield Case.objects.all()


def filed_in_range(path: str, start: dt.date = START, end: dt.date = END) -> list[str]:
    """The numbers of the cases filed in [start, end] (Beijing dates) under `path`, oldest first."""
    since = dt.datetime.combine(start, dt.time.min, tzinfo=SHANGHAI)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI)
    return list(Case.objects.under(path).filter(created_at__gte=since, created_at__lt=until)
                .order_by("created_at", "id").values_list("number", flat=True))


def download(username: str | None, **params):
    response = api_client(username).get(URL, {**RANGE, **params})
    assert response.status_code == 200, response.content
    return response


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def xlsx_rows(response) -> tuple[list, list[str], list[dict]]:
    """(title row, headers, rows as {header: value}) of an xlsx ledger."""
    sheet = openpyxl.load_workbook(io.BytesIO(body(response)), read_only=True).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    headers = rows[1]
    return rows[0], headers, [dict(zip(headers, r, strict=True)) for r in rows[2:]]


def csv_rows(response) -> tuple[str, list[str], list[dict]]:
    """(the first character, headers, rows as {header: value}) of a CSV ledger."""
    text = body(response).decode("utf-8")
    lines = list(csv.reader(io.StringIO(text[1:])))
    return text[0], lines[0], [dict(zip(lines[0], r, strict=True)) for r in lines[1:]]


def label(text) -> str:
    with translation.override("zh-hans"):
        return str(text)


def parties_of(number: str) -> list:
    return list(Case.objects.get(number=number).parties.all())


def test_the_xlsx_holds_exactly_the_cases_filed_in_the_range_under_chinese_headers(cases):
    # given cases filed before, in and after the range
    expected = filed_in_range("330681")
    assert 0 < len(expected) < cases.count()

    # when the county supervisor downloads the county's ledger as xlsx (the default format)
    response = download("county1")

    # then it is an xlsx file named in Chinese, with a title row, the official headers, one row per case
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''" in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "人民调解案件登记台账_诸暨市_2025-01-01_2026-06-30.xlsx"
    title, headers, rows = xlsx_rows(response)
    assert "人民调解案件登记台账" in title[0] and "诸暨市" in title[0] and "2025-01-01" in title[0]
    assert headers == CASE_HEADERS
    assert [r["案件编号"] for r in rows] == expected
    assert [r["序号"] for r in rows] == list(range(1, len(expected) + 1))
    # and each row is its case's record: filed on, type, region, outcome
    for row in rows:
        case = Case.objects.select_related("region__parent__parent").get(number=row["案件编号"])
        assert row["受理日期"].date() == case.created_at.astimezone(SHANGHAI).date()
        assert row["纠纷类型"] == label(case.get_dispute_type_display())
        assert (row["所属镇（街道）"], row["所属村（社区）"], row["所属网格"]) == (
            case.region.parent.parent.name, case.region.parent.name, case.region.name)
        if case.status == "closed":
            assert row["结案日期"].date() == case.closed_at.astimezone(SHANGHAI).date()
            assert row["调解结果"] == label(case.get_outcome_display())
        else:
            assert row["结案日期"] is None and row["调解结果"].startswith("在办")
        # who mediated the agreement in force, else who was assigned; what the follow-up found
        agreement = current_agreement(case)
        mediators = (list(agreement.mediators.order_by("id")) if agreement else []) or list(
            case.mediators.order_by("id"))
        assert row["调解员"] == ("、".join(m.label for m in mediators) or None)
        visit = case.follow_ups.order_by("-visited_at", "-id").first()
        if visit:
            assert row["协议履行"] == ("已履行" if visit.fulfilled else "未履行")
            assert row["回访"] == f"{visit.visited_at.astimezone(SHANGHAI).date()} {label(visit.get_satisfaction_display())}"
        elif agreement is None:
            assert row["协议履行"] == "无协议" and row["回访"] is None
    assert {r["协议履行"] for r in rows} <= {"已履行", "未履行", "无协议", "未回访", "未到期", "待回访"}
    assert any(r["回访"] for r in rows) and any(r["调解员"] for r in rows)


def assert_masked(rows: list[dict], *, headers=("当事人", "联系电话", "身份证号", "简要案情", "处理结果")) -> None:
    for row in rows:
        parties = parties_of(row["案件编号"])
        cells = " ".join(str(row[h] or "") for h in headers if h in row)
        for party in parties:
            assert mask_name(party.name) in row["当事人"]
            assert party.name not in cells.replace(mask_name(party.name), "")
            for number in (party.phone, party.id_number):
                assert not number or number not in cells
            if party.phone and "联系电话" in row:
                assert mask_phone(party.phone) in row["联系电话"]
            if party.id_number and "身份证号" in row:
                assert mask_id_number(party.id_number) in row["身份证号"]


def assert_in_clear(rows: list[dict]) -> None:
    for row in rows:
        for party in parties_of(row["案件编号"]):
            assert f"{party.name}（" in row["当事人"]
            if party.phone:
                assert f"{party.name}：{party.phone}" in row["联系电话"]
            if party.id_number:
                assert f"{party.name}：{party.id_number}" in row["身份证号"]


@pytest.mark.parametrize("username, region, masked", [
    ("super1", None, True),  # township supervisor of 枫桥镇
    ("county1", FENGQIAO, True),  # county supervisor
    ("center1", None, False),  # center staff of 枫桥镇
    ("head1", None, False),  # committee head of 枫源村
])
def test_personal_data_is_masked_for_supervisors_and_clear_for_those_who_handle_the_cases(cases, username, region,
                                                                                           masked):
    # when the user downloads the ledger of their township (or village)
    params = {"region": region} if region else {}
    _, headers, rows = xlsx_rows(download(username, **params))

    # then every party of every row is masked, or in the clear, as their role says
    assert rows and any(r["联系电话"] for r in rows) and any(r["身份证号"] for r in rows)
    assert_masked(rows) if masked else assert_in_clear(rows)
    # and so are their names where the description names them (the generator's descriptions do)
    named = [r for r in rows if any((mask_name(p.name) if masked else p.name) in r["简要案情"]
                                    for p in parties_of(r["案件编号"]))]
    assert len(named) > len(rows) // 2
    record = ExportRecord.objects.latest("id")
    assert record.masked is masked and record.user.username == username


def test_a_committee_head_asking_for_the_whole_township_gets_it_masked_as_they_handle_one_village(cases):
    # given a village committee head, and the center staff above them
    RoleAssignment.objects.create(user=User.objects.get(username="head1"), role=Role.TOWNSHIP_SUPERVISOR,
                                  region=Region.objects.get(code=FENGQIAO))

    # when they ask for the township's ledger (which they may see as a supervisor too)
    _, _, rows = xlsx_rows(download("head1", region=FENGQIAO))

    # then the whole export is masked, their own village's cases included: decided once, not per row
    assert {r["所属村（社区）"] for r in rows} > {"枫源村"}
    assert_masked(rows)


def test_the_csv_is_the_same_ledger_with_a_bom_that_the_csv_module_reads(cases):
    # when the same ledger is downloaded as xlsx and as CSV
    _, _, xlsx = xlsx_rows(download("center1"))
    response = download("center1", format="csv")

    # then the CSV starts with a BOM, has the same headers, and holds the same rows
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert unquote(response["Content-Disposition"].split("filename*=UTF-8''")[1]).endswith(".csv")
    bom, headers, rows = csv_rows(response)
    assert bom == "\ufeff" and headers == CASE_HEADERS
    assert [r["案件编号"] for r in rows] == filed_in_range(Region.objects.get(code=FENGQIAO).path)
    for row, other in zip(rows, xlsx, strict=True):
        assert row["受理日期"] == other["受理日期"].date().isoformat()
        assert row["当事人"] == other["当事人"] and row["调解结果"] == other["调解结果"]
    assert_in_clear(rows)
    # and masked the same way for a supervisor
    assert_masked(csv_rows(download("super1", format="csv"))[2])


def test_the_referral_ledger_has_one_row_per_referral_sent_in_the_range(cases):
    # given referrals sent in and out of a range
    start, end = dt.date(2024, 1, 1), dt.date(2026, 12, 31)
    since = dt.datetime.combine(start, dt.time.min, tzinfo=SHANGHAI)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI)
    expected = list(Referral.objects.filter(sent_at__gte=since, sent_at__lt=until).order_by("sent_at", "id")
                    .select_related("case"))
    assert expected, "the generator sends some referrals"

    # when the county supervisor downloads the referral ledger
    response = download("county1", kind="referrals", **{"from": start.isoformat(), "to": end.isoformat()})

    # then one row per referral, in order, with its channel, body, dates and result, parties masked
    assert unquote(response["Content-Disposition"].split("filename*=UTF-8''")[1]).startswith("分流转办台账_诸暨市_")
    _, headers, rows = xlsx_rows(response)
    assert headers == REFERRAL_HEADERS
    assert [r["案件编号"] for r in rows] == [ref.case.number for ref in expected]
    for row, referral in zip(rows, expected, strict=True):
        assert row["分流日期"].date() == referral.sent_at.astimezone(SHANGHAI).date()
        assert row["分流渠道"] == label(referral.get_channel_display()) and row["接收单位"] == referral.receiving_body
        if referral.resolved is None:
            assert row["处理结果"] == "待回复" and row["回复日期"] is None
        else:
            assert row["处理结果"].startswith("已化解" if referral.resolved else "未化解")
            assert row["回复日期"].date() == referral.replied_at.astimezone(SHANGHAI).date()
    assert_masked(rows, headers=("当事人",))
    record = ExportRecord.objects.latest("id")
    assert (record.kind, record.format, record.rows) == ("referral_ledger", "xlsx", len(expected))
    # and the CSV of it parses the same
    _, headers, csv_rows_ = csv_rows(download("center1", kind="referrals", format="csv",
                                              **{"from": start.isoformat(), "to": end.isoformat()}))
    assert headers == REFERRAL_HEADERS
    fengqiao = Region.objects.get(code=FENGQIAO).path
    assert [r["案件编号"] for r in csv_rows_] == [ref.case.number for ref in expected
                                               if ref.case.region_path.startswith(fengqiao + ".")]


def test_a_dianko_supervisor_never_gets_a_fengqiao_case_and_cannot_ask_for_fengqiao(cases):
    # given cases in both townships
    dianko, fengqiao = Region.objects.get(code=DIANKOU), Region.objects.get(code=FENGQIAO)
    assert filed_in_range(dianko.path) and filed_in_range(fengqiao.path)

    # when the 店口镇 supervisor downloads their ledgers
    for kind, file_format in (("cases", "xlsx"), ("cases", "csv"), ("referrals", "csv")):
        response = download("super-dianko", kind=kind, format=file_format, **{"from": "2023-01-01", "to": "2027-12-31"})
        rows = xlsx_rows(response)[2] if file_format == "xlsx" else csv_rows(response)[2]

        # then only 店口镇's cases are in them
        assert all(Case.objects.get(number=r["案件编号"]).region_path.startswith(dianko.path + ".") for r in rows)
        assert {r["所属镇（街道）"] for r in rows} <= {"店口镇"}
    assert len(rows) == Referral.objects.filter(case__region_path__startswith=dianko.path + ".").count()

    # and 枫桥镇, one of its villages, the county or an unknown region are a 404, recorded nowhere
    before = ExportRecord.objects.count()
    for code in (fengqiao.code, fengqiao.children.first().code, "330681", "999999"):
        response = api_client("super-dianko").get(URL, {"region": code, "format": "csv"})
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert ExportRecord.objects.count() == before


def test_every_export_is_recorded_with_who_what_and_how_many_rows_and_no_personal_data(cases):
    # given no export yet
    before = ExportRecord.objects.count()

    # when a village committee head and the county supervisor export ledgers
    village = Region.objects.get(name="枫源村", level=RegionLevel.VILLAGE)
    download("head1", format="csv")
    download("county1", region=FENGQIAO)
    download("county1", kind="referrals", format="csv", region=FENGQIAO)

    # then each export is one record, with the region, the range, the ledger, the format and the rows
    records = list(ExportRecord.objects.order_by("id"))[before:]
    assert [(r.user.username, r.kind, r.format, r.region.code, r.masked) for r in records] == [
        ("head1", "ledger", "csv", village.code, False),
        ("county1", "ledger", "xlsx", FENGQIAO, True),
        ("county1", "referral_ledger", "csv", FENGQIAO, True),
    ]
    assert records[0].rows == len(filed_in_range(village.path))
    assert records[1].rows == len(filed_in_range(Region.objects.get(code=FENGQIAO).path))
    assert records[0].params == {"from": "2025-01-01", "to": "2026-06-30", "kind": "cases"}
    assert records[2].params["kind"] == "referrals"
    assert all(r.created_at == NOW for r in records)


def test_the_default_range_is_this_year(cases):
    # when the ledger is asked with no range (it is 2027, and nothing was filed this year)
    response = api_client("head1").get(URL, {"format": "csv"})

    # then it covers this year: the headers alone
    assert response.status_code == 200
    assert unquote(response["Content-Disposition"].split("filename*=UTF-8''")[1]) == (
        "人民调解案件登记台账_枫源村_2027-01-01_2027-12-31.csv")
    assert csv_rows(response)[2] == []
    assert ExportRecord.objects.latest("id").rows == 0


@pytest.mark.parametrize("params, field", [
    ({"format": "pdf"}, "format"),
    ({"kind": "payments"}, "kind"),
    ({"from": "2026-13-01"}, "from"),
    ({"from": "2026-05-01", "to": "2026-04-30"}, "to"),
    ({"from": "1990-01-01", "to": "2026-01-01"}, "to"),
])
def test_bad_parameters_are_a_400_naming_the_field_and_nothing_is_recorded(cases, params, field):
    before = ExportRecord.objects.count()

    response = api_client("county1").get(URL, params)

    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert field in response.json()
    assert ExportRecord.objects.count() == before


def test_format_pdf_says_which_formats_there_are(cases):
    response = api_client("county1").get(URL, {"format": "pdf"})

    assert response.status_code == 400
    message = response.json()["format"][0]
    assert "xlsx" in message and "csv" in message


@pytest.mark.parametrize("params", [{}, {"format": "xlsx"}, {"format": "csv"}, {"format": "pdf"}])
def test_an_anonymous_caller_gets_a_json_refusal_and_no_file(cases, params):
    response = api_client(None).get(URL, params)

    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/json" and "code" in response.json()


def test_the_number_of_queries_grows_with_the_chunks_not_the_rows(cases, monkeypatch):
    # given the number of queries of an empty ledger
    def queries(**params) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            rows = csv_rows(download("county1", format="csv", **params))[2]
        return len(captured), len(rows)

    empty, none = queries(**{"from": "2001-01-01", "to": "2001-12-31"})
    assert none == 0

    # when the county's ledger is fetched 20 rows at a time
    monkeypatch.setattr(ledgers, "CHUNK", 20)
    count, rows = queries(**{"from": "2023-01-01", "to": "2027-12-31"})

    # then each chunk costs at most a fixed number of queries (its rows, parties, mediators,
    # agreements with their mediators and obligations, follow-ups), whatever the rows in it
    chunks = math.ceil(rows / 20)
    assert rows >= 40 and count <= empty + 7 * chunks
    assert count < rows


def test_a_cell_that_would_be_a_formula_is_text_in_the_csv_and_numbers_in_text_are_masked(cases):
    # given a case whose description starts like a spreadsheet formula and quotes a phone number
    case = file_case("grid1", description='=HYPERLINK("http://example.com","点击") 联系13812345678')

    # when its village committee head downloads this year's ledger as CSV and as xlsx
    csv_row = csv_rows(download("head1", format="csv", **{"from": "2027-01-01", "to": "2027-12-31"}))[2][-1]
    xlsx = download("head1", **{"from": "2027-01-01", "to": "2027-12-31"})
    content = body(xlsx)
    xlsx.streaming_content = [content]
    xlsx_row = xlsx_rows(xlsx)[2][-1]

    # then the CSV cell starts with a quote (no spreadsheet runs it), the xlsx holds it as a string,
    # and the phone in the text is masked even for those who handle the case
    assert csv_row["案件编号"] == xlsx_row["案件编号"] == case.number
    assert csv_row["简要案情"] == '\'=HYPERLINK("http://example.com","点击") 联系138****5678'
    assert xlsx_row["简要案情"] == '=HYPERLINK("http://example.com","点击") 联系138****5678'
    with zipfile.ZipFile(io.BytesIO(content)) as workbook:
        assert "<f>" not in workbook.read("xl/worksheets/sheet1.xml").decode()
    assert "13812345678" in csv_row["联系电话"]
