"""The parties' page /p/<code>/ and the receipt (回执) on the case page (issue 12 point 3).

The page needs no sign-in, shows the same six facts as the API and nothing personal, is a 404 for
an unknown or revoked code and shares the API's rate limit; the case page shows the code and a
QR code of the page's address to those handling the case, and to no one else.
"""
from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache

from actions import services
from casework.models import PartyCode
from tests.conftest import PHONE, VALID_ID, bring_to, file_case
from tests.ui.conftest import Browser, user


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def code_of(case) -> str:
    return PartyCode.objects.in_force().get(case=case).display


def test_the_page_shows_the_progress_in_chinese_without_signing_in(demo):
    # given a filed case
    case = file_case()

    # when anyone opens the page of its code, typed in lower case
    page = Browser().get(f"/p/{code_of(case).lower()}/")

    # then it shows the number, the stage, the body and the next step in Chinese, with no menu
    assert page.status == 200
    assert case.number in page and "案件进度" in page and "调解委员会" in page
    assert "<nav" not in page.html
    # and nothing personal or about the dispute
    for secret in ("张三", "李四", VALID_ID, PHONE, case.title, case.description):
        assert secret not in page


def test_a_closed_case_reads_as_closed(demo):
    page = Browser().get(f"/p/{code_of(bring_to('closed'))}/")
    assert page.status == 200 and "已结案" in page


def test_an_unknown_or_revoked_code_is_a_404(demo):
    case = file_case()
    code = code_of(case)
    services.case_revoke_party_code(case_id=case.pk, actor=user("head1"))
    assert Browser().get(f"/p/{code}/").status == 404
    assert Browser().get("/p/0000-0000-00/").status == 404


def test_the_page_shares_the_api_rate_limit(demo):
    allowed = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["party_code"].split("/")[0])
    code = code_of(file_case())
    visitor = Browser()
    statuses = [visitor.get(f"/p/{code}/").status for _ in range(allowed)]
    assert 429 not in statuses
    assert visitor.get(f"/p/{code}/").status == 429


def test_the_case_page_shows_the_receipt_with_a_qr_code_to_those_handling_it(demo):
    # given a filed case and its code
    case = file_case()
    code = code_of(case)

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
    assert code_of(case) not in page and "<svg" not in page.html


def test_the_head_revokes_the_code_from_the_case_page_and_gets_a_new_one(demo):
    # given a case and its code, which works
    case = file_case()
    old = code_of(case)
    head = Browser("head1")

    # when the head revokes it from the receipt on the case page
    page = head.submit(head.get(f"/cases/{case.pk}/").form(f"/cases/{case.pk}/party-code/"))

    # then the page shows a new code, the old one is a 404, and the timeline says who revoked it
    new = code_of(case)
    assert page.status == 200
    assert new != old and new in page and old not in page
    assert Browser().get(f"/p/{old}/").status == 404
    assert case.events.filter(action="party_code_revoked", actor__username="head1").exists()


@pytest.mark.parametrize(("who", "status"), [("grid1", 403), ("grid2", 404)])
def test_no_one_else_may_post_the_revocation(demo, who, status):
    # given a case of 枫源村, seen by its reporting grid worker and not by 店口镇's
    case = file_case()
    code = code_of(case)
    visitor = Browser(who)
    assert not visitor.get(f"/cases/{case.pk}/").has_form(f"/cases/{case.pk}/party-code/")

    # when they post the revocation anyway, with a valid CSRF token
    response = visitor.client.post(f"/cases/{case.pk}/party-code/",
                                   HTTP_X_CSRFTOKEN=visitor.client.cookies["csrftoken"].value)

    # then it is refused and the code still works
    assert response.status_code == status
    assert code_of(case) == code
