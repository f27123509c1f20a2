"""The admin entirely in Chinese: its index, every app index and every change list, as an
administrator reads them under zh-hans, show no English word beyond a short allowlist of data."""
from __future__ import annotations

import re
from html.parser import HTMLParser

from casework.choices import Status
from tests.conftest import bring_to
from tests.ui.conftest import Browser

# Words that are data, not the interface: demo usernames, and what third-party rows say of themselves.
ALLOWED = {
    "admin", "grid", "head", "mediator", "center", "super", "county",  # usernames (grid1, …)
    "True", "False",  # the alt text of Django's boolean icons: fixed English in its template
    "Access Log for admin", "unknown",  # django-axes' AccessLog.__str__ and its "<unknown>" path
    "login",  # the path signed in at, /login/, in django-axes' access log
    "IP", "XML", "BPMN", "API", "ID",
}


class VisibleText(HTMLParser):
    """The text a reader sees or hears: data outside script and style, and the attributes read out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._hidden += 1
        a = dict(attrs)
        for name in ("title", "alt", "aria-label", "placeholder"):
            if a.get(name):
                self.parts.append(a[name])
        if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
            self.parts.append(a["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def english(html: str) -> set[str]:
    parser = VisibleText()
    parser.feed(html)
    phrases = {m.strip() for part in parser.parts for m in re.findall(r"[A-Za-z][A-Za-z ]*[A-Za-z]|[A-Za-z]{2,}", part)}
    return {p for p in phrases if p not in ALLOWED and not all(w in ALLOWED for w in p.split())}


def test_the_admin_shows_no_english_to_an_administrator(demo):
    # given a case in the record (so the workflow's process and task lists have rows)
    bring_to(Status.VILLAGE_MEDIATION)
    browser = Browser("admin")

    # when the administrator opens the admin's index
    index = browser.client.get("/admin/")
    assert index.status_code == 200
    html = index.content.decode()
    apps = sorted(set(re.findall(r'href="(/admin/[a-z_]+/)"', html)))
    lists = sorted(set(re.findall(r'href="(/admin/[a-z_]+/[a-z_]+/)"', html)))
    assert "/admin/viewflow/" in apps and "/admin/viewflow/task/" in lists and "/admin/axes/" in apps

    # then it, every app index and every change list read in Chinese
    found = {"/admin/": english(html)}
    for url in apps + lists:
        response = browser.client.get(url)
        assert response.status_code == 200, url
        found[url] = english(response.content.decode())
    assert {url: words for url, words in found.items() if words} == {}, {url: sorted(w) for url, w in found.items() if w}
    # and the headings the issue named are Chinese
    assert not re.search(r">\s*(FLOWS|WORKFLOW|Process list|Tasks|Flows|Workflow)\s*<", html)
