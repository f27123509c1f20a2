"""Point 7 of issue 10: a database that stays locked past the busy timeout is a 503 with
Retry-After — JSON on /api/, a page in the UI — never a 500.

The lock is real: another connection holds SQLite's write lock (BEGIN IMMEDIATE) while the
request tries to write, with the busy timeout of this test's connection cut to a tenth of a
second so that the wait ends at once.
"""
from __future__ import annotations

import contextlib
import sqlite3

import pytest
from django.db import connection

from casework.models import Case
from tests.conftest import filing_body
from tests.ui.conftest import Browser
from tests.ui.helpers import FILING

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's write lock")


@contextlib.contextmanager
def write_lock_held_elsewhere():
    """Another process's writer holds the lock; our connection gives up after 0.1 s."""
    options = connection.settings_dict["OPTIONS"]
    timeout = options.get("timeout")
    options["timeout"] = 0.1
    connection.close()  # reopened with the short timeout at the next query
    other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.rollback()
        other.close()
        options["timeout"] = timeout
        connection.close()


def test_a_locked_database_is_a_json_503_with_retry_after_on_the_api(demo, transactional_db, api):
    # given a grid worker's tablet, signed in
    client = api("grid1")
    client.raise_request_exception = False

    # when it files while another writer holds the lock past the busy timeout
    with write_lock_held_elsewhere():
        response = client.post("/api/v1/cases/", filing_body(), format="json", HTTP_IDEMPOTENCY_KEY="tablet-1")

    # then it is told to come back shortly, in JSON, and nothing was filed
    assert response.status_code == 503, response.content[:500]
    assert int(response["Retry-After"]) > 0
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "database_busy"
    assert response.json()["detail"]
    assert not Case.objects.exists()

    # and the retry with the same key, once the lock is gone, files the case once
    retry = client.post("/api/v1/cases/", filing_body(), format="json", HTTP_IDEMPOTENCY_KEY="tablet-1")
    assert retry.status_code == 201
    assert Case.objects.count() == 1


def test_a_locked_database_is_a_503_page_with_retry_after_in_the_ui(demo, transactional_db):
    # given a grid worker with the filing form open
    browser = Browser("grid1")
    browser.client.raise_request_exception = False
    form = browser.get("/cases/new/").form("/cases/new/")

    # when the form is sent while another writer holds the lock past the busy timeout
    with write_lock_held_elsewhere():
        page = browser.submit(form, **FILING)

    # then a page in Chinese says the change was not saved and to send it again shortly
    assert page.status == 503, page.text[:500]
    assert int(page.response["Retry-After"]) > 0
    assert page.response["Content-Type"].startswith("text/html")
    assert "系统繁忙" in page, page.text
    assert not Case.objects.exists()

