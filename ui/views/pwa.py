"""The installable web app: its manifest and its service worker (/sw.js), which keeps the filing
page and its scripts on the tablet so a grid worker can file where the network drops.

The worker's code is a static file (ui/static/ui/sw.js); this view serves it from the site's root,
so that its scope is the whole site, with what it needs to know put before it: which pages and
assets to keep, the URLs that sign in or out (which clear the kept pages), and a version. The
version is a digest of all of that and of the assets' contents, so changing any of them installs a
new worker, which drops the caches of the old one.
"""
from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

# The filing page's shell: what /cases/new/ loads. Other static files are fetched as usual.
PRECACHED_ASSETS = ["ui/ui.css", "ui/offline.css", "ui/ui.js", "ui/photos.js", "ui/offline.js", "ui/pwa.js", "ui/icons/icon-192.png"]
WORKER = "ui/sw.js"


def _source(path: str) -> bytes:
    found = finders.find(path)
    if not found:
        raise FileNotFoundError(path)
    with open(found, "rb") as handle:
        return handle.read()


def _language(request) -> str:
    """The language the person chose (the language cookie), else the site's (zh-hans): the
    browser fetches the worker and the manifest with its own Accept-Language, not the page's."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


@require_GET
def service_worker(request):
    """The service worker, with its configuration, at the root scope; never cached by HTTP."""
    with translation.override(_language(request)):
        return _service_worker()


def _service_worker():
    config = {
        "pages": [reverse("ui:file_case")],
        "assets": [static(path) for path in PRECACHED_ASSETS],
        "staticPrefix": static(""),
        "apiPrefix": "/api/",
        "clearOn": [reverse("ui:logout"), reverse("ui:login")],
        "offline": {
            "lang": "zh-Hans" if get_language() == "zh-hans" else get_language(),
            "title": _("No network"),
            "text": _("This page needs the network. The filing page works without it: drafts are kept on this "
                      "tablet and sent when the network returns."),
            "link": _("Open the filing page"),
            "stylesheet": static("ui/ui.css"),
        },
    }
    code = _source(WORKER)
    digest = hashlib.sha256(json.dumps(config, sort_keys=True).encode() + code)
    for path in PRECACHED_ASSETS:
        digest.update(_source(path))
    config["version"] = digest.hexdigest()[:16]
    body = b"self.FQ_SW = " + json.dumps(config, ensure_ascii=False).encode() + b";\n" + code
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    response["Vary"] = "Cookie"
    return response


@require_GET
def manifest(request):
    """The web app manifest: installed, the app opens on the user's home page, in its own window."""
    with translation.override(_language(request)):
        return _manifest()


def _manifest():
    icon = static("ui/icons/icon-512.png")
    data = {
        "name": _("Fengqiao dispute resolution"),
        "short_name": _("Fengqiao"),
        "description": _("Filing, mediating and following up grassroots disputes."),
        "lang": "zh-Hans" if get_language() == "zh-hans" else get_language(),
        "start_url": reverse("ui:home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#eef1f5",
        "theme_color": "#0a4a9c",
        "icons": [
            {"src": static("ui/icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": icon, "sizes": "512x512", "type": "image/png"},
            {"src": static("ui/icons/icon-maskable-512.png"), "sizes": "512x512", "type": "image/png",
             "purpose": "maskable"},
        ],
        "shortcuts": [{"name": _("File a case"), "url": reverse("ui:file_case"),
                       "icons": [{"src": static("ui/icons/icon-192.png"), "sizes": "192x192"}]}],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    response["Cache-Control"] = f"max-age={60 if settings.DEBUG else 3600}"
    return response
