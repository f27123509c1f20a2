"""A small browser for the UI tests: Django's test client with real sessions and CSRF checks,
which reads the forms a page renders and submits them as a person would — hidden fields
(CSRF token, seen_version, idempotency key) included, nothing made up by the test."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser

import pytest
from django.test import Client

from casework import ladder
from casework.models import Case
from flows import engine
from flows.models import DisputeProcess
from tests.conftest import user
from tests.ui.browser import CHROMIUM, CHROMIUM_ARGS

PASSWORD = "fengqiao-demo"


@dataclass
class Form:
    action: str
    method: str
    attrs: dict
    fields: list[list] = field(default_factory=list)  # [name, value, kind]; kind: text | choice | multi
    buttons: list[str] = field(default_factory=list)
    options: dict[str, list[str]] = field(default_factory=dict)  # radio/checkbox/select values by name

    def names(self) -> set[str]:
        return {f[0] for f in self.fields} | set(self.options)

    def _name(self, key: str) -> str:
        if key in self.names():
            return key
        prefixed = [n for n in self.names() if n.endswith("-" + key) and n.count("-") == 1]
        if len(prefixed) == 1:
            return prefixed[0]
        raise KeyError(f"no field {key!r} in form {self.action}: {sorted(self.names())}")

    def set(self, key: str, value) -> None:
        name = self._name(key)
        self.fields = [f for f in self.fields if f[0] != name]
        for v in value if isinstance(value, (list, tuple)) else [value]:
            self.fields.append([name, "" if v is None else str(v), "text"])

    def add(self, name: str, value) -> None:
        """A field the page's script would add (a formset row)."""
        self.fields.append([name, str(value), "text"])

    def data(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for name, value, _kind in self.fields:
            out.setdefault(name, []).append(value)
        return out

    def value(self, key: str) -> str | None:
        name = self._name(key)
        values = [f[1] for f in self.fields if f[0] == name]
        return values[0] if values else None


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._template_depth = 0
        self._select: str | None = None
        self._select_multiple = False
        self._select_chosen: list[str] = []
        self._select_first: str | None = None
        self._option_value: str | None = None
        self._option_text = ""
        self._in_option = False
        self._textarea: str | None = None
        self._textarea_text = ""

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "template":
            self._template_depth += 1
        if self._template_depth:
            return
        if tag == "form":
            self._form = Form(action=a.get("action", ""), method=a.get("method", "get").lower(), attrs=a)
            self.forms.append(self._form)
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text").lower()
            if kind in ("radio", "checkbox"):
                self._form.options.setdefault(name, []).append(a.get("value", "on"))
                if "checked" in a:
                    self._form.fields.append([name, a.get("value", "on"), "choice"])
            elif kind not in ("submit", "button", "image", "file", "reset"):
                self._form.fields.append([name, a.get("value", ""), "text"])
        elif tag == "button" and a.get("type", "submit") == "submit":
            self._form.buttons.append(a.get("name", ""))
        elif tag == "select" and name:
            self._select, self._select_multiple = name, "multiple" in a
            self._select_chosen, self._select_first = [], None
            self._form.options[name] = []
        elif tag == "option" and self._select:
            self._option_value, self._option_text, self._in_option = a.get("value"), "", True
            if "selected" in a:
                self._select_chosen.append("__pending__")
        elif tag == "textarea" and name:
            self._textarea, self._textarea_text = name, ""

    def handle_data(self, data):
        if self._in_option:
            self._option_text += data
        if self._textarea is not None:
            self._textarea_text += data

    def handle_endtag(self, tag):
        if tag == "template":
            self._template_depth -= 1
            return
        if self._template_depth or self._form is None:
            return
        if tag == "option" and self._select:
            value = self._option_value if self._option_value is not None else self._option_text.strip()
            self._form.options[self._select].append(value)
            if self._select_first is None:
                self._select_first = value
            if self._select_chosen[-1:] == ["__pending__"]:
                self._select_chosen[-1] = value
            self._option_value, self._option_text, self._in_option = None, "", False
        elif tag == "select" and self._select:
            chosen = self._select_chosen or ([] if self._select_multiple or self._select_first is None
                                             else [self._select_first])
            for value in chosen:
                self._form.fields.append([self._select, value, "choice"])
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._form.fields.append([self._textarea, self._textarea_text.removeprefix("\n"), "text"])
            self._textarea = None
        elif tag == "form":
            self._form = None


class Page:
    def __init__(self, response) -> None:
        self.response = response
        self.status = response.status_code
        self.html = response.content.decode() if response.get("Content-Type", "").startswith("text/html") else ""
        chain = getattr(response, "redirect_chain", [])
        self.url = chain[-1][0] if chain else response.request["PATH_INFO"]
        parser = _FormParser()
        parser.feed(self.html)
        self.forms = parser.forms

    def form(self, action: str) -> Form:
        """The form that posts to `action` (exact path, or ending with it)."""
        matches = [f for f in self.forms if f.action == action or f.action.endswith(action)]
        if not matches:
            raise AssertionError(f"no form posting to {action} on {self.url}; forms: {[f.action for f in self.forms]}")
        return Form(matches[0].action, matches[0].method, dict(matches[0].attrs),
                    [list(f) for f in matches[0].fields], list(matches[0].buttons), dict(matches[0].options))

    def has_form(self, action: str) -> bool:
        return any(f.action == action or f.action.endswith(action) for f in self.forms)

    @property
    def messages(self) -> list[str]:
        return [_text(m) for m in re.findall(r'<div class="msg msg-[a-z]+"[^>]*>(.*?)</div>', self.html, re.S)]

    @property
    def text(self) -> str:
        body = re.sub(r"<(script|style|template)\b.*?</\1>", " ", self.html, flags=re.S)
        return _text(body)

    def __contains__(self, needle: str) -> bool:
        return needle in self.text


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


class Browser:
    """One person at one tablet: a session, a CSRF cookie, and forms filled from the page."""

    def __init__(self, username: str | None = None) -> None:
        self.client = Client(enforce_csrf_checks=True)
        self.username = username
        if username:
            page = self.login(username)
            assert page.status == 200, page.status

    def get(self, url: str, *, follow: bool = True) -> Page:
        return Page(self.client.get(url, follow=follow))

    def submit(self, form: Form, *, follow: bool = True, **values) -> Page:
        for key, value in values.items():
            form.set(key, value)
        assert form.method == "post", form.method
        return Page(self.client.post(form.action, form.data(), follow=follow))

    def login(self, username: str, password: str = PASSWORD) -> Page:
        page = self.get("/login/")
        return self.submit(page.form("/login/"), username=username, password=password)

    def act(self, case: Case, name: str, *, page: Page | None = None, **values) -> Page:
        """Open the case page, fill the form of one transition, send it."""
        if page is None:
            page = self.get(f"/cases/{case.pk}/")
            assert page.status == 200, page.status
        return self.submit(page.form(f"/cases/{case.pk}/act/{name}/"), **values)


@pytest.fixture
def browser(demo):
    """browser("head1") → a signed-in Browser for that demo user; browser() anonymous."""
    def make(username: str | None = None) -> Browser:
        return Browser(username)

    return make


def open_task_matches(case: Case) -> bool:
    """The viewflow process's open stage task stands for the case's status (none once closed)."""
    case.refresh_from_db()
    process = DisputeProcess.objects.get(case=case)
    task = engine.open_stage_task(process.pk)
    if case.status == "closed":
        return task is None
    return task is not None and ladder.STAGE_BY_TASK[task.flow_task.name].status == case.status


def stage_task(case: Case):
    return engine.open_stage_task(DisputeProcess.objects.get(case=case).pk)


__all__ = ["Browser", "Form", "Page", "open_task_matches", "stage_task", "user"]


@pytest.fixture
def chromium():
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_site(transactional_db):
    """The whole application (tests.ui.browser.whole_app) served on a free port, with the demo
    topology committed: the LiveASGIServer, for its `url` and `ws_url`."""
    from demo.topology import load_topology
    from tests.live import LiveASGIServer
    from tests.ui.browser import whole_app

    load_topology()
    with LiveASGIServer(app=whole_app()) as server:
        yield server


@pytest.fixture
def site(live_site) -> str:
    """The address of `live_site`."""
    return live_site.url
