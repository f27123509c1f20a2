"""Driving Debian's chromium through Playwright (never `playwright install`): the launch
options, signing in, and running ORM code beside Playwright's event loop."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
BROWSER = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium"),
]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Screenshots the browser tests keep for people to look at (git-ignored).
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR", Path(__file__).resolve().parents[2] / "test-artifacts"))


def orm(fn):
    """Run database code beside Playwright's event loop (Django refuses the ORM inside one)."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    def call():
        try:
            return fn()
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(call).result()


def sign_in(browser, site: str, username: str):
    page = browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 768}).new_page()
    page.goto(site + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "fengqiao-demo")
    page.click("main button[type=submit]")  # the header has its own forms (language, text size)
    page.wait_for_load_state()
    return page
