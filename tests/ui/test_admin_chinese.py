"""The admin entirely in Chinese: its index, every app index, every change list, and a record's
page and the add page of every model that has them, as an administrator reads them under
zh-hans, show no English word beyond a short allowlist of data."""
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
    # names Django's own Chinese help texts keep: the keys to hold (按住“Control”，或者 Mac 上的
    # “Command”) and the sign-in backends (例如单一登入或LDAP)
    "Control", "Command", "Mac", "LDAP",
}


class VisibleText(HTMLParser):
    """The text a reader sees or hears: data outside script and style, and the attributes read out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        # <bdi> holds data Django shows as it is, e.g. the password hash's algorithm and salt
        if tag in ("script", "style", "template", "bdi"):
            self._hidden += 1
        a = dict(attrs)
        for name in ("title", "alt", "aria-label", "placeholder"):
            if a.get(name):
                self.parts.append(a[name])
        if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
            self.parts.append(a["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template", "bdi"):
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
    assert "/admin/viewflow/" in apps and "/admin/flows/stagetask/" in lists and "/admin/axes/" in apps

    # then it, every app index and every change list read in Chinese
    found = {"/admin/": english(html)}
    for url in apps + lists:
        response = browser.client.get(url)
        assert response.status_code == 200, url
        found[url] = english(response.content.decode())
    assert {url: words for url, words in found.items() if words} == {}, {url: sorted(w) for url, w in found.items() if w}
    # and the headings the issue named are Chinese
    assert not re.search(r">\s*(FLOWS|WORKFLOW|Process list|Tasks|Flows|Workflow)\s*<", html)


def test_a_records_page_and_the_add_pages_show_no_english_either(demo):
    # given a case in the record, with its events, deadlines, process and tasks
    bring_to(Status.VILLAGE_MEDIATION)
    browser = Browser("admin")
    index = browser.client.get("/admin/").content.decode()
    lists = sorted(set(re.findall(r'href="(/admin/[a-z_]+/[a-z_]+/)"', index)))

    # when the administrator opens the first record of every list, and every add page there is
    pages = []
    for url in lists:
        listing = browser.client.get(url).content.decode()
        first = re.search(rf'href="({re.escape(url)}[^"/]+/change/)"', listing)
        pages += [first.group(1)] if first else []
        pages += [url + "add/"] if f'href="{url}add/"' in listing else []
    assert "/admin/casework/user/add/" in pages
    assert {"/admin/casework/case/", "/admin/flows/stagetask/", "/admin/viewflow/process/"} <= {
        p.rsplit("/", 3)[0] + "/" for p in pages if p.endswith("/change/")}

    # then each reads in Chinese: field labels, permissions, the audit trail's actions and statuses
    found = {}
    for url in pages:
        response = browser.client.get(url)
        assert response.status_code == 200, url
        found[url] = english(response.content.decode())
    assert {url: words for url, words in found.items() if words} == {}, {url: sorted(w) for url, w in found.items() if w}
