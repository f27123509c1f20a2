"""The parties' page /p/<code>/ and the receipt (回执) on the case page (issue 12 point 3).

The page needs no sign-in, shows the same facts as the API and nothing personal, is a 404 for
an unknown or revoked code and shares the API's rate limit; the case page shows the code and a
QR code of the page's address to those handling the case, and to no one else, with a printable
receipt. Once the case is closed the page takes the parties' rating (with a CSRF token), once.
"""
from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import timezone

from actions import services
from casework.models import PartyCode
from tests.conftest import PHONE, VALID_ID, bring_to, file_case, party_code_of
from tests.ui.conftest import Browser, user

pytestmark = pytest.mark.usefixtures("fresh_throttle")  # the rate limit counts in the cache


def test_the_page_shows_the_progress_in_chinese_without_signing_in(demo):
    # given a filed case
    case = file_case()

    # when anyone opens the page of its code, typed in lower case
    page = Browser().get(f"/p/{party_code_of(case).lower()}/")

    # then it shows the number, the stage, the body and the next step in Chinese, with no menu
    assert page.status == 200
    assert case.number in page and "案件进度" in page and "调解委员会" in page
    assert "<nav" not in page.html
    # and nothing personal or about the dispute
    for secret in ("张三", "李四", VALID_ID, PHONE, case.title, case.description):
        assert secret not in page


def test_a_closed_case_reads_as_closed(demo):
    page = Browser().get(f"/p/{party_code_of(bring_to('closed'))}/")
    assert page.status == 200 and "已结案" in page


def test_an_unknown_or_revoked_code_is_a_404(demo):
    case = file_case()
    code = party_code_of(case)
    services.case_revoke_party_code(case_id=case.pk, actor=user("head1"))
    assert Browser().get(f"/p/{code}/").status == 404
    assert Browser().get("/p/0000-0000-00/").status == 404


def test_the_page_shares_the_api_rate_limit(demo):
    allowed = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["party_code"].split("/")[0])
    code = party_code_of(file_case())
    visitor = Browser()
    statuses = [visitor.get(f"/p/{code}/").status for _ in range(allowed)]
    assert 429 not in statuses
    assert visitor.get(f"/p/{code}/").status == 429


def test_the_case_page_shows_the_receipt_with_a_qr_code_to_those_handling_it(demo):
    # given a filed case and its code
    case = file_case()
    code = party_code_of(case)

    # when the committee head opens the case page
    page = Browser("head1").get(f"/cases/{case.pk}/")

    # then the receipt shows the code and an inline SVG QR code of the page's address
    assert page.status == 200
    assert code in page and "回执" in page
    assert '<svg' in page.html and "segno" in page.html
    assert f"/p/{code}/" in page


@pytest.mark.parametrize("who", ["grid1", "super1"])
def test_others_who_see_the_case_get_no_receipt(demo, who):
    case = file_case()
    page = Browser(who).get(f"/cases/{case.pk}/")
    assert page.status == 200
    assert party_code_of(case) not in page and "<svg" not in page.html


def test_the_head_revokes_the_code_from_the_case_page_and_gets_a_new_one(demo):
    # given a case and its code, which works
    case = file_case()
    old = party_code_of(case)
    head = Browser("head1")

    # when the head revokes it from the receipt on the case page
    page = head.submit(head.get(f"/cases/{case.pk}/").form(f"/cases/{case.pk}/party-code/"))

    # then the page shows a new code, the old one is a 404, and the timeline says who revoked it
    new = party_code_of(case)
    assert page.status == 200
    assert new != old and new in page and old not in page
    assert Browser().get(f"/p/{old}/").status == 404
    assert case.events.filter(action="party_code_revoked", actor__username="head1").exists()


@pytest.mark.parametrize(("who", "status"), [("grid1", 403), ("grid2", 404)])
def test_no_one_else_may_post_the_revocation(demo, who, status):
    # given a case of 枫源村, seen by its reporting grid worker and not by 店口镇's
    case = file_case()
    code = party_code_of(case)
    visitor = Browser(who)
    assert not visitor.get(f"/cases/{case.pk}/").has_form(f"/cases/{case.pk}/party-code/")

    # when they post the revocation anyway, with a valid CSRF token
    response = visitor.client.post(f"/cases/{case.pk}/party-code/",
                                   HTTP_X_CSRFTOKEN=visitor.client.cookies["csrftoken"].value)

    # then it is refused and the code still works
    assert response.status_code == status
    assert party_code_of(case) == code


# --- the parties' rating after the close ------------------------------------------------------

def test_an_open_case_has_no_rating_form(demo):
    page = Browser().get(f"/p/{party_code_of(file_case())}/")
    assert page.status == 200
    assert not page.has_form(f"/p/{party_code_of(file_case())}/rating/") and "评价" not in page


def test_a_party_rates_a_closed_case_from_the_page_once(demo):
    # given a closed case and its page, with the rating form
    case = bring_to("closed")
    code = party_code_of(case)
    party = Browser()
    page = party.get(f"/p/{code}/")
    assert page.status == 200 and "满意" in page and "基本满意" in page and "不满意" in page

    # when the party chooses 基本满意 and sends it (the form carries its CSRF token)
    page = party.submit(page.form(f"/p/{code}/rating/"), satisfaction="basically_satisfied", comment="处理及时")

    # then the page thanks them and shows what they answered, with no form left
    assert page.status == 200
    assert "已收到" in page and "基本满意" in page
    assert not page.has_form(f"/p/{code}/rating/")
    assert case.party_ratings.get().satisfaction == "basically_satisfied"

    # and a second post with the same code (from another browser) is refused with a reason
    other = Browser()
    again = other.client.post(f"/p/{code}/rating/", {"satisfaction": "dissatisfied"})
    assert again.status_code == 403  # no CSRF token: Django's check comes first
    form_page = other.get(f"/p/{code}/")
    assert not form_page.has_form(f"/p/{code}/rating/")
    assert case.party_ratings.count() == 1


def test_a_rating_without_an_answer_is_shown_again_with_the_error(demo):
    code = party_code_of(bring_to("closed"))
    party = Browser()
    page = party.submit(party.get(f"/p/{code}/").form(f"/p/{code}/rating/"), comment="很" * 10)
    assert page.status == 400
    assert "这个字段是必填项" in page or "必填" in page
    assert not PartyCode.objects.get(code=code.replace("-", "")).case.party_ratings.exists()


def test_the_staff_see_the_rating_on_the_case_page_and_the_comment_only_with_personal_data(demo):
    # given a closed case rated by its parties with a comment
    case = bring_to("closed")
    services.case_rate_by_party(code=party_code_of(case), satisfaction="dissatisfied", comment="希望再快一点")

    # then the committee head sees the answer and the comment, the county supervisor the answer only
    head = Browser("head1").get(f"/cases/{case.pk}/")
    assert "当事人评价" in head and "不满意" in head and "希望再快一点" in head
    assert "当事人评价了处理情况" in head  # on the timeline, by the parties rather than "系统"
    county = Browser("county1").get(f"/cases/{case.pk}/")
    assert county.status == 200
    assert "当事人评价" in county and "希望再快一点" not in county


# --- the printable receipt (回执) -------------------------------------------------------------

def test_the_printable_receipt_has_the_code_its_qr_and_nothing_personal(demo):
    # given a filed case and its code
    case = file_case()
    code = party_code_of(case)

    # when the committee head follows the receipt box's link to the printable receipt
    case_page = Browser("head1").get(f"/cases/{case.pk}/")
    assert f"/cases/{case.pk}/receipt/" in case_page.html
    page = Browser("head1").get(f"/cases/{case.pk}/receipt/")

    # then it shows the number, the filing date, the code, a QR code of the page's address and
    # what the party can do, in Chinese, ready to print (A5)
    assert page.status == 200
    assert case.number in page and code in page and "矛盾纠纷受理回执" in page and "受理日期" in page
    assert timezone.localdate(case.created_at).isoformat() in page
    assert "<svg" in page.html and f"/p/{code}/" in page
    assert "size: A5" in page.html and "data-print" in page.html and "评价" in page
    # and nothing about the dispute or its parties
    for secret in ("张三", "李四", VALID_ID, PHONE, "13900001111", case.title, case.description, case.address):
        assert secret not in page


@pytest.mark.parametrize(("who", "status"), [("grid1", 403), ("county1", 403), ("grid2", 404), ("mediator2", 404)])
def test_only_those_who_manage_the_code_print_the_receipt(demo, who, status):
    case = file_case()
    response = Browser(who).client.get(f"/cases/{case.pk}/receipt/")
    assert response.status_code == status
    assert party_code_of(case).encode() not in response.content


def test_the_receipt_needs_signing_in_and_a_code_in_force(demo):
    case = file_case()
    assert Browser().client.get(f"/cases/{case.pk}/receipt/").status_code == 302
    services.case_revoke_party_code(case_id=case.pk, actor=user("head1"))
    assert Browser("head1").client.get(f"/cases/{case.pk}/receipt/").status_code == 404
