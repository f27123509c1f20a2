"""A signed-in browser following a ledger link: session cookie, the real ASGI server (uvicorn), the
file streamed a chunk at a time (not read whole by Django's ASGI handler first).

A module of its own: it needs committed data (the server runs in another thread), which the
module-scoped rolled-back fixture of test_ledger.py cannot give."""
from __future__ import annotations

import csv
import datetime as dt
import io
import urllib.error
import urllib.request
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.test import Client

from casework.validators import mask_name
from reports import ledgers
from reports.models import ExportRecord
from tests.conftest import file_case, frozen_clock, user

NOW = dt.datetime(2027, 3, 9, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
URL = "/api/v1/reports/ledger/"


@pytest.fixture
def live(transactional_db):
    """The ASGI app on a free port, the demo topology and five cases of 枫源村 committed, the clock at NOW."""
    from config.asgi import application
    from demo.topology import load_topology
    from tests.live import LiveASGIServer

    load_topology()
    with frozen_clock(NOW):
        numbers = [file_case("grid1").number for _ in range(5)]
        with LiveASGIServer(app=application) as server:
            yield server.url, numbers


def get(url: str, username: str | None) -> tuple[int, dict, bytes]:
    """GET as a browser would, with the session cookie of `username` signed in (none for None)."""
    request = urllib.request.Request(url, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    if username:
        client = Client()
        client.force_login(user(username))
        request.add_header("Cookie", f"sessionid={client.cookies['sessionid'].value}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_a_signed_in_browser_downloads_the_ledger_streamed_by_the_asgi_server(live, monkeypatch, recwarn):
    # given the ledger fetched two rows at a time, so the body comes in several pieces
    url, numbers = live
    monkeypatch.setattr(ledgers, "CHUNK", 2)

    # when center staff, signed in to the pages, follow the CSV link, then the xlsx one
    status, headers, content = get(f"{url}{URL}?format=csv", "center1")

    # then the session is enough, and the whole ledger arrives in the clear, in order
    assert status == 200, content[:300]
    assert headers["Content-Type"] == "text/csv; charset=utf-8"
    assert unquote(headers["Content-Disposition"].split("filename*=UTF-8''")[1]) == (
        "人民调解案件登记台账_枫桥镇_2027-01-01_2027-12-31.csv")
    text = content.decode("utf-8")
    assert text[0] == "\ufeff"
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert [r["案件编号"] for r in rows] == numbers
    assert all(r["当事人"] == "张三（申请人）；李四（被申请人）" for r in rows)

    status, headers, content = get(f"{url}{URL}?format=xlsx", "center1")
    assert status == 200 and int(headers["Content-Length"]) == len(content)
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
    assert [r[1] for r in sheet.iter_rows(min_row=3, values_only=True)] == numbers

    # and Django did not have to read a synchronous body whole before sending it
    assert not [w for w in recwarn if "consume synchronous iterators" in str(w.message)]
    assert list(ExportRecord.objects.order_by("id").values_list("format", "rows", "masked")) == [
        ("csv", 5, False), ("xlsx", 5, False)]


def test_a_signed_in_supervisor_gets_it_masked_and_a_stranger_gets_json(live):
    url, numbers = live

    status, _, content = get(f"{url}{URL}?format=csv", "super1")
    assert status == 200
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8")[1:])))
    assert [r["案件编号"] for r in rows] == numbers
    assert all(r["当事人"] == f"{mask_name('张三')}（申请人）；{mask_name('李四')}（被申请人）" for r in rows)

    for path in (f"{URL}?format=xlsx", f"{URL}?format=pdf"):
        status, headers, content = get(url + path, None)
        assert status in (401, 403) and headers["Content-Type"] == "application/json"
    status, headers, content = get(f"{url}{URL}?format=pdf", "super1")
    assert status == 400 and b"xlsx" in content
