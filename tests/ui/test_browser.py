"""The pages in a real browser (Debian's chromium through Playwright): the scripts that add
form rows and keep the filing draft, which the test client cannot run."""
from __future__ import annotations

import datetime as dt

from casework.models import Case, IdempotencyKey
from tests.ui.browser import BROWSER, orm, sign_in

pytestmark = BROWSER


def test_filing_with_an_added_party_and_a_draft_that_survives_a_reload(site, chromium):
    # given a grid worker on the filing form, typing
    page = sign_in(chromium, site, "grid1")
    page.goto(site + "/cases/new/")
    page.fill("#id_title", "楼道堆物纠纷")
    page.select_option("#id_dispute_type", "neighborhood")
    page.fill("#id_description", "三楼住户在楼道堆放杂物，邻居多次协商未果。")
    page.fill("#id_parties-0-name", "张三")
    page.fill("#id_parties-1-name", "李四")
    # and adding a third party with the page's button
    page.click("[data-add-row=parties]")
    page.select_option("#id_parties-2-role", "third_party")
    page.fill("#id_parties-2-name", "王五")
    key = page.input_value("input[name=idempotency_key]")

    # when the page is reloaded before sending (the tablet lost the page)
    page.reload()

    # then the draft is back, with the same form key, and the notice says so
    page.wait_for_selector("#draft-notice", state="visible")
    assert page.input_value("#id_title") == "楼道堆物纠纷"
    assert page.input_value("#id_parties-2-name") == "王五"
    assert page.input_value("input[name=idempotency_key]") == key

    # when it is sent (by offline.js, through the API, with the draft's key)
    page.click("form[data-draft] button[type=submit]")
    page.wait_for_url("**/cases/*/?filed=1")

    # then one case with three parties is filed, with that key, and the draft is gone
    case = orm(lambda: Case.objects.get())
    names = orm(lambda: sorted(case.parties.values_list("name", flat=True)))
    assert names == ["张三", "李四", "王五"]
    assert orm(lambda: IdempotencyKey.objects.get(case=case).key) == key
    assert "已登记" in page.inner_text(".notice[role=status]")
    page.goto(site + "/cases/new/")
    page.wait_for_selector("#offline-panel[data-ready]")
    assert not page.is_visible("#draft-notice")
    assert page.input_value("#id_title") == ""


def test_an_agreement_with_two_obligations_from_the_case_page(site, chromium):
    # given a case the committee accepted for mediator1
    from actions import services
    from tests.conftest import file_case, user

    def given():
        case = file_case()
        services.case_accept(case_id=case.pk, actor=user("head1"), mediators=[user("mediator1")])
        return case

    case = orm(given)
    due = (dt.date.today() + dt.timedelta(days=10)).isoformat()

    # when mediator1 follows the inbox link to the agreement form, adds a second obligation, sends it
    page = sign_in(chromium, site, "mediator1")
    page.goto(site + "/inbox/?view=mine")
    page.click(f"a[href='/cases/{case.pk}/#act-record_agreement']")
    page.wait_for_load_state("domcontentloaded")  # ui.js opens the form on DOMContentLoaded
    assert page.get_attribute("#act-record_agreement", "open") is not None  # opened from the link
    page.fill("#id_record_agreement-terms", "李四三日内清理楼道杂物并赔礼道歉")
    page.fill("#id_record_agreement-obligations-0-description", "清理楼道杂物")
    page.fill("#id_record_agreement-obligations-0-due_date", due)
    page.click("[data-add-row='record_agreement-obligations']")
    page.fill("#id_record_agreement-obligations-1-description", "当面赔礼道歉")
    page.fill("#id_record_agreement-obligations-1-due_date", due)
    page.click("#act-record_agreement button[type=submit]")
    page.wait_for_load_state()

    # then the case is agreed with both obligations
    def then():
        case.refresh_from_db()
        return case.status, sorted(case.agreements.get().obligations.values_list("description", flat=True))

    assert orm(then) == ("agreed", ["当面赔礼道歉", "清理楼道杂物"])
