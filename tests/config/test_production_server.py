"""`manage.py serve` on the production settings, in its own process, as a county deploys it:
static files collected once, then served by the app itself with a Content-Security-Policy."""
from __future__ import annotations

import http.client
import os
import re
import secrets
import subprocess
import sys
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

import pytest

from tests.live import Reply
from tests.processes import ROOT, ServerProcess, worker_env

# The TLS proxy in front of a deployment says the request came over HTTPS.
HTTPS = {"X-Forwarded-Proto": "https"}


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """A var folder with the static files collected, as the README's deployment step does (once)."""
    var_dir = tmp_path_factory.mktemp("production") / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.production", FENGQIAO_VAR_DIR=str(var_dir),
               DJANGO_SECRET_KEY=secrets.token_urlsafe(50))
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    return var_dir


@pytest.fixture
def production(transactional_db, tmp_path, collected):
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from casework.models import User
    from demo.topology import load_topology

    load_topology()
    # The test settings hash with MD5, which production does not accept: hash as it does.
    hashed = PBKDF2PasswordHasher().encode("fengqiao-demo", PBKDF2PasswordHasher().salt())
    User.objects.filter(username__in=["super1", "county1", "admin"]).update(password=hashed)
    env = {k: v for k, v in worker_env(tmp_path).items() if not k.startswith("DJANGO_")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.production", DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
               FENGQIAO_VAR_DIR=str(collected))
    with ServerProcess(env) as server:
        yield server


def request(method: str, url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None) -> Reply:
    """One HTTP request, redirects not followed (they are what some tests look at)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        connection.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), body=data,
                           headers=headers or {})
        response = connection.getresponse()
        reply = Reply(response.status, response.read(), dict(response.getheaders()))
        reply.cookies = response.headers.get_all("Set-Cookie") or []
        return reply
    finally:
        connection.close()


def cookies_of(reply) -> dict[str, str]:
    jar = SimpleCookie()
    for value in reply.cookies:
        jar.load(value)
    return {k: m.value for k, m in jar.items()}


def sign_in(server, username: str) -> dict[str, str]:
    """The session of a demo user signed in through /login/ (CSRF and all), as headers."""
    page = request("GET", server.url + "/login/", headers=HTTPS)
    assert page.status == 200, page.body[:300]
    jar = cookies_of(page)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body).group(1).decode()
    reply = request("POST", server.url + "/login/", data=f"csrfmiddlewaretoken={token}&username={username}"
                    f"&password=fengqiao-demo".encode(), headers={
                        **HTTPS, "Content-Type": "application/x-www-form-urlencoded",
                        "Origin": f"https://127.0.0.1:{server.port}",
                        "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())})
    assert reply.status == 302, reply.body[:300]
    jar.update(cookies_of(reply))
    return {**HTTPS, "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}


def test_the_board_loads_its_css_and_js_with_a_content_security_policy(production):
    # given a supervisor signed in on the production server
    session = sign_in(production, "super1")

    # when the board is opened
    board = request("GET", production.url + "/board/", headers=session)

    # then it is served under a Content-Security-Policy that allows only the site's own scripts
    assert board.status == 200, board.body[:300]
    policy = board.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src")[0], policy
    # and every stylesheet and script it links to is served by the app itself
    assets = re.findall(rb'<link rel="stylesheet" href="([^"]+)"|<script src="([^"]+)"', board.body)
    urls = [(css or js).decode() for css, js in assets]
    assert any("ui/ui." in u and u.endswith(".css") for u in urls), urls
    assert any("ui/board." in u for u in urls) and any("ui/ui." in u and u.endswith(".js") for u in urls), urls
    for url in urls:
        asset = request("GET", production.url + url, headers={**HTTPS, "Accept-Encoding": "gzip"})
        assert asset.status == 200, (url, asset.status)
        assert asset.headers["Content-Type"].split(";")[0] in {"text/css", "text/javascript", "application/javascript"}
        # compressed, and cached for good: the names carry the content's hash
        assert asset.headers.get("Content-Encoding") == "gzip", url
        assert "immutable" in asset.headers.get("Cache-Control", ""), url


def test_the_api_docs_want_a_signed_in_administrator(production):
    # when an anonymous visitor opens the API docs
    reply = request("GET", production.url + "/api/docs/", headers=HTTPS)

    # then they are sent to sign in first
    assert reply.status == 302 and reply.headers["Location"].startswith("/login/?next=/api/docs/"), reply.headers
    # and once signed in an administrator sees the docs, with Swagger UI from the app's own static
    # files; a supervisor, whose job is not connecting systems, is refused
    docs = request("GET", production.url + "/api/docs/", headers=sign_in(production, "admin"))
    assert docs.status == 200 and b"drf_spectacular_sidecar/swagger-ui-dist/" in docs.body
    refused = request("GET", production.url + "/api/docs/", headers=sign_in(production, "county1"))
    assert refused.status == 403


def test_testserver_is_not_a_host_of_production(production):
    reply = request("GET", production.url + "/api/v1/me/", headers={**HTTPS, "Host": "testserver"})

    assert reply.status == 400
