"""Steps the UI tests share: filing a case through the form, reading the case back."""
from __future__ import annotations

import re

from casework.models import Case
from tests.conftest import PHONE, VALID_ID
from tests.ui.conftest import Browser, Page

FILING = {
    "title": "邻里漏水纠纷",
    "dispute_type": "neighborhood",
    "description": "楼上住户卫生间漏水，渗到楼下厨房，双方就维修费用协商未果。",
    "address": "枫源村3组12号",
    "parties-0-name": "张三",
    "parties-0-id_number": VALID_ID,
    "parties-0-phone": PHONE,
    "parties-1-name": "李四",
    "parties-1-phone": "13900001111",
}


def case_of(page: Page) -> Case:
    """The case whose page a redirect landed on."""
    match = re.search(r"/cases/(\d+)/", page.url)
    assert match, f"not on a case page: {page.url} ({page.status}) {page.messages}"
    return Case.objects.get(pk=int(match.group(1)))


def file_via_ui(browser: Browser, **overrides) -> tuple[Page, Case]:
    """Fill the filing form as a grid worker would and send it once."""
    page = browser.get("/cases/new/")
    assert page.status == 200, page.status
    result = browser.submit(page.form("/cases/new/"), **{**FILING, **overrides})
    assert result.status == 200, (result.status, result.messages)
    return result, case_of(result)
