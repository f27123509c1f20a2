"""The installable web app's server side: the manifest, the service worker served from the root
scope with its configuration, and the pages that link them."""
from __future__ import annotations

import json
import re

from django.contrib.staticfiles import finders
from django.test import Client

from tests.ui.conftest import Browser


def worker_config(body: str) -> dict:
    first, _, code = body.partition("\n")
    assert first.startswith("self.FQ_SW = ") and first.endswith(";")
    assert "addEventListener(\"fetch\"" in code
    return json.loads(first.removeprefix("self.FQ_SW = ").removesuffix(";"))


def test_the_service_worker_is_served_from_the_root_never_cached_with_what_it_keeps(db):
    # when anyone asks for /sw.js
    response = Client().get("/sw.js")

    # then it is JavaScript for the whole site, revalidated every time
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    config = worker_config(response.content.decode())

    # and it keeps the filing page and its assets, never the API, and forgets pages at sign-in/out
    assert config["pages"] == ["/cases/new/"]
    assert "/static/ui/offline.js" in config["assets"] and "/static/ui/ui.css" in config["assets"]
    assert all(finders.find(url.removeprefix("/static/")) for url in config["assets"])
    assert config["apiPrefix"] == "/api/"
    assert sorted(config["clearOn"]) == ["/login/", "/logout/"]
    assert config["offline"]["title"] == "无网络"
    assert re.fullmatch(r"[0-9a-f]{16}", config["version"])
    assert worker_config(Client().get("/sw.js").content.decode())["version"] == config["version"]


def test_the_service_worker_version_follows_the_assets(db, monkeypatch):
    # given the version as served
    before = worker_config(Client().get("/sw.js").content.decode())["version"]

    # when a kept asset changes (another ui.js is deployed)
    from ui.views import pwa

    real = pwa._source
    monkeypatch.setattr(pwa, "_source", lambda path: real(path) + (b"//changed" if path == "ui/ui.js" else b""))

    # then the worker's version changes, so the browser installs it and drops the old caches
    assert worker_config(Client().get("/sw.js").content.decode())["version"] != before


def test_the_manifest_names_the_app_in_chinese_with_its_icons(db):
    response = Client().get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["name"] == "枫桥式矛盾纠纷化解" and manifest["short_name"] == "枫桥"
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/"
    assert manifest["shortcuts"][0]["url"] == "/cases/new/"
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])
    assert all(finders.find(icon["src"].removeprefix("/static/")) for icon in manifest["icons"])


def test_pages_link_the_manifest_and_register_the_worker_only_for_those_who_file(demo):
    anonymous = Client().get("/login/").content.decode()
    assert 'rel="manifest" href="/manifest.webmanifest"' in anonymous
    assert "ui/pwa.js" not in anonymous
    page = Browser("grid1").get("/cases/new/")
    assert re.search(r'<script src="/static/ui/pwa\.js" data-sw="/sw\.js" data-logout="/logout/" defer>', page.html)
    # a supervisor files no case: no worker keeps a filing page they would be refused
    assert "ui/pwa.js" not in Browser("super1").get("/search/").html


def test_the_filing_page_carries_what_offline_js_needs(demo):
    # given grid1's filing page
    page = Browser("grid1").get("/cases/new/")

    # then its configuration names the user and the API, and the photo input opens the camera
    config = json.loads(re.search(r'<script id="offline-config" type="application/json">(.*?)</script>',
                                  page.html, re.S).group(1))
    assert config["user"] == "grid1"
    assert config["cases_url"] == "/api/v1/cases/" and config["attachments_url"] == "/api/v1/cases/0/attachments/"
    assert config["csrf_cookie"] == "csrftoken" and config["texts"]["waiting"] == "等待网络"
    assert re.search(r'<input type="file" id="draft-photo-input" accept="image/\*" capture="environment"', page.html)
    assert '<script src="/static/ui/offline.js" defer></script>' in page.html


def test_the_worker_and_manifest_speak_the_chosen_language_not_the_browsers(db):
    # given a browser asking in English (a worker's script is fetched with the browser's own
    # Accept-Language), then one whose person chose English on the site
    browser_english = Client(HTTP_ACCEPT_LANGUAGE="en-US")
    chose_english = Client()
    chose_english.cookies["django_language"] = "en"

    # then the site's language holds unless the person chose another
    assert worker_config(browser_english.get("/sw.js").content.decode())["offline"]["title"] == "无网络"
    assert browser_english.get("/manifest.webmanifest").json()["short_name"] == "枫桥"
    assert worker_config(chose_english.get("/sw.js").content.decode())["offline"]["title"] == "No network"
