"""Error pages through the real ASGI app (DEBUG off, as the tests run): product pages in zh-hans
for people, the API's JSON error shape `{"code", "detail"}` for anything under /api/."""
from __future__ import annotations

import copy
import json

import pytest

from tests.live import LiveASGIServer, request

HTML = {"Accept": "text/html"}


@pytest.fixture
def site(transactional_db, settings):
    settings.ROOT_URLCONF = "tests.config.error_urls"
    with LiveASGIServer() as server:
        yield server.url


def assert_product_page(reply, status: int, *texts: str) -> str:
    assert reply.status == status, reply.body[:500]
    assert reply.headers["Content-Type"].startswith("text/html")
    page = reply.body.decode()
    # the product frame, in zh-hans: the brand, the stylesheet, a way home
    assert '<html lang="zh-Hans">' in page
    assert "枫桥" in page and "ui/ui.css" in page and 'href="/"' in page
    for text in texts:
        assert text in page, text
    return page


def assert_api_error(reply, status: int, code: str) -> dict:
    assert reply.status == status, reply.body[:500]
    assert reply.headers["Content-Type"].startswith("application/json"), reply.headers["Content-Type"]
    body = json.loads(reply.body)
    assert set(body) == {"code", "detail"} and body["code"] == code, body
    assert body["detail"] and isinstance(body["detail"], str)
    return body


def test_an_unknown_page_is_a_zh_hans_product_page(site):
    # when a person opens a page that does not exist
    reply = request("GET", site + "/no-such-page/", headers=HTML)

    # then a 404 in the product's frame says so in Chinese
    assert_product_page(reply, 404, "页面不存在")


def test_a_forbidden_page_is_a_zh_hans_product_page(site):
    reply = request("GET", site + "/test-errors/forbidden/", headers=HTML)

    assert_product_page(reply, 403, "无权访问")


def test_a_server_error_is_a_zh_hans_product_page_that_needs_no_context_processor(site, settings):
    # given context processors that would fail (as they would with the database down)
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["OPTIONS"]["context_processors"].append("tests.config.error_urls.broken_context_processor")
    settings.TEMPLATES = templates

    # when a page raises
    reply = request("GET", site + "/test-errors/boom/", headers=HTML)

    # then a 500 in the product's frame, in Chinese, with nothing of the bug shown
    page = assert_product_page(reply, 500, "系统出错")
    assert "RuntimeError" not in page and "a bug" not in page


def test_a_failed_csrf_check_on_a_page_is_a_zh_hans_product_page(site):
    reply = request("POST", site + "/login/", data=b"username=a&password=b", headers={
        **HTML, "Content-Type": "application/x-www-form-urlencoded"})

    assert_product_page(reply, 403, "无权访问", "请返回并刷新页面")


def test_an_unknown_api_url_is_a_json_404(site):
    reply = request("GET", site + "/api/v1/no-such-endpoint/")

    assert_api_error(reply, 404, "not_found")


def test_a_wrong_method_on_the_api_is_a_json_405(site):
    reply = request("PUT", site + "/api/v1/auth/token/")  # it takes POST (sign in) and DELETE (revoke)

    assert_api_error(reply, 405, "method_not_allowed")


def test_a_server_error_in_the_api_is_a_json_500(site):
    reply = request("GET", site + "/api/v1/test-errors/boom/")

    body = assert_api_error(reply, 500, "server_error")
    assert "RuntimeError" not in body["detail"]


def test_a_failed_csrf_check_on_the_api_is_json(site):
    # when a plain Django view under /api/ gets a POST without a CSRF token
    reply = request("POST", site + "/api/v1/test-errors/post/", data=b"x=1",
                    headers={"Content-Type": "application/x-www-form-urlencoded"})

    assert_api_error(reply, 403, "permission_denied")


def test_a_bad_request_that_django_refuses_on_the_api_is_json(site):
    # when the Host header is not one of ALLOWED_HOSTS (Django's own 400)
    reply = request("GET", site + "/api/v1/me/", headers={"Host": "evil.example"})
    assert_api_error(reply, 400, "bad_request")
    # and a page gets the product page
    reply = request("GET", site + "/login/", headers={**HTML, "Host": "evil.example"})
    assert_product_page(reply, 400, "请求无效")
