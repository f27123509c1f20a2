"""Everyone sees what is theirs: the menu offers a role exactly the pages its job needs, and those
pages refuse everyone else (403 in the product's frame); the flow chart in the frame, its BPMN
export for administrators; the language switch and the text size in the header."""
from __future__ import annotations

import re

import pytest

from tests.ui.conftest import Browser

USERS = ("grid1", "grid2", "head1", "mediator1", "mediator2", "center1", "super1", "county1", "admin")

# (the menu's link, the page it opens, other URLs that belong to it)
PAGES = (
    ("/my-cases/", "/my-cases/", ()),
    ("/cases/new/", "/cases/new/", ()),
    ("/inbox/", "/inbox/", ()),
    ("/triage/", "/triage/", ()),
    ("/board/", "/board/", ("/board/live/", "/board/charts/")),
    ("/overview/", "/overview/", ()),
    ("/search/", "/search/", ()),
    ("/reports/monthly/", "/reports/monthly/", ()),
    ("/stats/", "/stats/", ()),
    ("/notifications/", "/notifications/", ()),
    ("/flow/", "/flow/", ("/flows/chart/",)),
    ("/flows/chart/?format=bpmn", "/flows/chart/?format=bpmn", ()),
    ("/api/docs/", "/api/docs/", ()),
)

# What each role's job is (DESIGN.md §1), written out rather than derived from ui/access.py.
EXPECTED = {
    "grid1": {"/my-cases/", "/cases/new/", "/search/", "/notifications/", "/flow/"},
    "head1": {"/cases/new/", "/inbox/", "/search/", "/reports/monthly/", "/stats/", "/notifications/", "/flow/"},
    "mediator1": {"/cases/new/", "/inbox/", "/search/", "/notifications/", "/flow/"},
    "center1": {"/cases/new/", "/inbox/", "/triage/", "/board/", "/search/", "/reports/monthly/", "/stats/",
                "/notifications/", "/flow/"},
    "super1": {"/board/", "/search/", "/reports/monthly/", "/stats/", "/notifications/", "/flow/"},
    "county1": {"/board/", "/overview/", "/search/", "/reports/monthly/", "/stats/", "/notifications/", "/flow/"},
    "admin": {"/cases/new/", "/triage/", "/board/", "/overview/", "/search/", "/reports/monthly/", "/stats/",
              "/notifications/", "/flow/", "/flows/chart/?format=bpmn", "/api/docs/"},
}
EXPECTED["grid2"], EXPECTED["mediator2"] = EXPECTED["grid1"], EXPECTED["mediator1"]


@pytest.fixture
def demo(shared_demo):
    return shared_demo


def menu_links(html: str) -> set[str]:
    """The header's links: the main menu's and the notifications bell."""
    header = re.search(r'<header class="top">(.*?)</header>', html, re.S).group(1)
    return {link.replace("&amp;", "&") for link in re.findall(r'<a [^>]*href="([^"]+)"', header)} - {"/"}


@pytest.mark.parametrize("username", USERS)
def test_a_page_is_in_a_roles_menu_exactly_when_it_lets_the_role_in(demo, username):
    # given a signed-in demo user and the menu on a page every role opens
    browser = Browser(username)
    menu = menu_links(browser.get("/search/").html)

    # then the menu holds the pages of the role's job, no others
    assert menu == EXPECTED[username]
    # and each page answers 200 when it is in the menu, and 403 in the product's frame when not
    for link, url, others in PAGES:
        for target in (url, *others):
            response = browser.client.get(target)
            if link in menu:
                assert response.status_code == 200, (username, target, response.status_code)
            else:
                assert response.status_code == 403, (username, target, response.status_code)
                if target.startswith("/api/") or "format=bpmn" in target:
                    continue
                assert '<header class="top">' in response.content.decode(), target
                assert "无权" in response.content.decode() or "权限" in response.content.decode(), target


def test_an_anonymous_visitor_is_sent_to_sign_in_first(demo):
    browser = Browser()
    for _link, url, _others in PAGES:
        response = browser.client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url


def test_the_flow_chart_is_in_the_frame_with_chinese_labels(demo):
    # given a signed-in mediator
    browser = Browser("mediator1")

    # when they open the flow chart page
    page = browser.get("/flow/")

    # then it is a page of the product, with the chart as an image of the SVG
    assert page.status == 200 and "流程图" in page.text
    assert re.search(r'<img src="/flows/chart/" alt="[^"]+', page.html)
    # and the SVG's node titles and the gate's two ways are in Chinese
    svg = browser.client.get("/flows/chart/").content.decode()
    labels = set(re.findall(r'<text class="edge-label"[^>]*>([^<]+)</text>', svg))
    assert labels == {"是", "否"}, labels
    texts = set(re.findall(r"<text [^>]*>([^<]+)</text>", svg))
    assert {"村（社区）受理", "乡镇（街道）分流", "回访"} <= texts, texts
    titles = set(re.findall(r"<title>([^<]+)</title>", svg))
    assert not [t for t in texts | titles if re.search(r"[A-Za-z]{2,}", t)], texts | titles


def test_the_bpmn_export_is_for_administrators(demo):
    admin, supervisor = Browser("admin"), Browser("county1")

    export = admin.client.get("/flows/chart/?format=bpmn")
    assert export.status_code == 200 and export["Content-Type"] == "application/xml"
    assert export.content.startswith(b"<?xml") and b"bpmn" in export.content
    assert supervisor.client.get("/flows/chart/?format=bpmn").status_code == 403
    assert 'download="dispute-flow.bpmn"' in admin.get("/flow/").html
    assert "format=bpmn" not in supervisor.get("/flow/").html


def test_the_language_switch_turns_the_pages_to_english_and_back(demo):
    # given a mediator reading the inbox in Chinese
    browser = Browser("mediator1")
    page = browser.get("/inbox/")
    assert 'lang="zh-Hans"' in page.html and "待办" in page.text

    # when they press “English” in the header (a CSRF POST form to Django's set_language)
    form = page.form("/i18n/setlang/")
    form.add("language", "en")
    page = browser.submit(form)

    # then they are back on the inbox, in English, and stay so on the next page
    assert page.url == "/inbox/" and 'lang="en"' in page.html and "Inbox" in page.text
    assert 'lang="en"' in browser.get("/search/").html

    # and “中文” brings Chinese back
    form = page.form("/i18n/setlang/")
    form.add("language", "zh-hans")
    assert 'lang="zh-Hans"' in browser.submit(form).html


def test_the_text_size_is_remembered_and_drawn_on_the_first_paint(demo):
    # given a grid worker on their cases
    browser = Browser("grid1")
    page = browser.get("/my-cases/")
    assert 'class="text-standard"' in page.html

    # when they choose “特大” (extra large)
    form = page.form("/preferences/text-size/")
    form.add("size", "xlarge")
    page = browser.submit(form)

    # then the page comes back with the class that enlarges the root font, on every page after
    assert page.url == "/my-cases/" and 'class="text-xlarge"' in page.html
    assert 'data-size="xlarge" aria-pressed="true"' in page.html
    assert 'class="text-xlarge"' in browser.get("/search/").html

    # and a size the control does not offer means the standard one
    form = page.form("/preferences/text-size/")
    form.add("size", "huge")
    assert 'class="text-standard"' in browser.submit(form).html


def test_the_text_size_wants_a_post(demo):
    browser = Browser("grid1")
    assert browser.client.get("/preferences/text-size/").status_code == 405
