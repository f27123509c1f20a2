"""The filing form: CSRF, validation in Chinese, one case per form however often it is sent."""
import json
import re

from casework.models import Case
from tests.conftest import PHONE, VALID_ID, file_case
from tests.ui.conftest import Browser
from tests.ui.helpers import FILING, case_of, file_via_ui


def test_a_double_submitted_filing_form_creates_one_case(demo):
    # given a grid worker with the filing form open
    browser = Browser("grid1")
    form = browser.get("/cases/new/").form("/cases/new/")
    for key, value in FILING.items():
        form.set(key, value)
    before = Case.objects.count()

    # when the same form is sent twice (a double tap, or a retry after the network dropped)
    first = browser.submit(form)
    second = browser.submit(form)

    # then one case is filed, and the second send lands on that same case, saying so
    assert Case.objects.count() == before + 1
    assert case_of(first) == case_of(second)
    assert any("已登记" in m for m in first.messages), first.messages
    assert any("只登记了一次" in m for m in second.messages), second.messages


def test_each_rendering_of_the_form_carries_a_new_idempotency_key(demo):
    browser = Browser("grid1")
    first = browser.get("/cases/new/").form("/cases/new/").value("idempotency_key")
    second = browser.get("/cases/new/").form("/cases/new/").value("idempotency_key")
    assert first and second and first != second


def test_filing_without_a_csrf_token_is_refused(demo):
    # given a signed-in grid worker whose client enforces CSRF checks
    browser = Browser("grid1")
    form = browser.get("/cases/new/").form("/cases/new/")
    data = {k: v for k, v in form.data().items() if k != "csrfmiddlewaretoken"}

    # when the form is sent without its token
    response = browser.client.post("/cases/new/", {**data, **FILING})

    # then it is refused and nothing is filed
    assert response.status_code == 403
    assert not Case.objects.exists()


def test_bad_input_is_shown_on_the_fields_in_chinese_and_files_nothing(demo):
    # given the filing form
    browser = Browser("grid1")
    page = browser.get("/cases/new/")

    # when it is sent with a wrong ID check digit and no title
    result = browser.submit(page.form("/cases/new/"), **{**FILING, "title": "",
                                                         "parties-0-id_number": VALID_ID[:-1] + "1"})

    # then the form comes back with the input kept and the errors on the fields
    assert result.status == 400
    assert "该身份证号码的校验码有误。" in result
    assert "此字段为必填项。" in result or "这个字段是必填项。" in result
    assert "楼上住户卫生间漏水" in result.html
    assert not Case.objects.exists()


def test_a_third_party_row_can_be_added(demo):
    # given the form with the applicant and respondent rows, and a third row added by the page
    browser = Browser("grid1")
    form = browser.get("/cases/new/").form("/cases/new/")
    form.set("parties-TOTAL_FORMS", "3")
    for name in ("role", "name", "id_number", "phone"):
        form.add(f"parties-2-{name}", "")

    # when the third party is filled in
    page = browser.submit(form, **FILING, **{"parties-2-role": "third_party", "parties-2-name": "王五"})

    # then the case has three parties
    case = case_of(page)
    assert sorted(case.parties.values_list("role", flat=True)) == ["applicant", "respondent", "third_party"]


def test_filing_warns_of_possible_duplicates(demo):
    # given a dispute already filed with the applicant's ID number
    browser = Browser("grid1")
    _, first = file_via_ui(browser)

    # when the same applicant's dispute is filed again (say, from the hotline)
    page, second = file_via_ui(browser, title="同一漏水纠纷（12345转来）", source="hotline_12345")

    # then the new case's page lists the first as a possible duplicate
    assert second != first
    assert "可能重复的案件" in page
    assert first.number in page


def test_a_supervisor_may_not_file(demo):
    assert Browser("super1").client.get("/cases/new/").status_code == 403


def test_the_filing_page_asks_for_duplicates_with_its_session_and_csrf_token(demo):
    # given an open case of the village, and a grid worker on the filing form
    first = file_case()
    browser = Browser("grid1")
    page = browser.get("/cases/new/")
    check = json.loads(re.search(r'<script id="duplicate-check" type="application/json">(.*?)</script>',
                                 page.html, re.S).group(1))
    token = page.form("/cases/new/").value("csrfmiddlewaretoken")
    grid = page.form("/cases/new/").value("grid")
    body = {"grid": check["grids"][grid], "title": "漏水", "description": "",
            "parties": [{"name": "张先生", "id_number": "", "phone": PHONE}]}

    # when the page's script asks, as ui.js does: the session's cookie and the form's CSRF token
    answer = browser.client.post(check["url"], json.dumps(body), content_type="application/json",
                                 HTTP_X_CSRFTOKEN=token)

    # then the open case sharing the phone comes back, and without the token the API refuses
    assert answer.status_code == 200, answer.content
    assert [(r["id"], r["reason"]) for r in answer.json()["results"]] == [(first.pk, "same_person")]
    assert check["case_url"] == "/cases/0/" and check["reasons"]["same_person"] == "同一当事人（身份证号码或电话相同）"
    refused = browser.client.post(check["url"], json.dumps(body), content_type="application/json")
    assert refused.status_code == 403
