"""Signing in lands each role on the screen it works from."""
import pytest

from tests.ui.conftest import Browser


@pytest.mark.parametrize(("username", "home"), [
    ("grid1", "/my-cases/"),
    ("head1", "/inbox/"),
    ("mediator1", "/inbox/"),
    ("center1", "/triage/"),
    ("super1", "/board/"),
    ("county1", "/board/"),
    ("admin", "/overview/"),
])
def test_login_redirects_each_role_to_its_home(demo, username, home):
    # given the sign-in form
    browser = Browser()

    # when a demo user signs in through it
    page = browser.login(username)

    # then they land on their role's home page
    assert page.status == 200
    assert page.url == home
    assert "退出" in page  # signed in, in Chinese


def test_wrong_password_stays_on_the_form_with_a_chinese_message(demo):
    # given the sign-in form
    browser = Browser()

    # when the password is wrong
    page = browser.login("grid1", "wrong")

    # then the form is shown again, with a message, and nobody is signed in
    assert page.status == 200
    assert page.url == "/login/"
    assert "用户名或密码错误" in page
    assert browser.get("/my-cases/").url.startswith("/login/")


def test_pages_need_a_signed_in_user(demo):
    # given nobody signed in
    browser = Browser()

    # when they open a page of the UI
    page = browser.get("/inbox/", follow=False)

    # then they are sent to the sign-in form, and come back after it
    assert page.status == 302
    assert page.response["Location"] == "/login/?next=/inbox/"


def test_sign_out_is_a_post_with_csrf(demo):
    # given a signed-in grid worker
    browser = Browser("grid1")

    # when they press the sign-out button of the header
    page = browser.submit(browser.get("/my-cases/").form("/logout/"))

    # then they are on the sign-in form again and signed out
    assert page.url == "/login/"
    assert browser.get("/my-cases/").url.startswith("/login/")


def test_navigation_links_the_flow_chart_and_only_an_administrator_its_bpmn_export(demo):
    # given a signed-in mediator and an administrator
    mediator, admin = Browser("mediator1"), Browser("admin")

    # when any page is shown
    page = mediator.get("/inbox/")

    # then the mediator's navigation offers the flow chart, which answers, and not its BPMN export,
    # which refuses them; the administrator has both
    assert 'href="/flow/"' in page.html and mediator.client.get("/flows/chart/").status_code == 200
    assert "format=bpmn" not in page.html
    assert mediator.client.get("/flows/chart/?format=bpmn").status_code == 403
    assert 'href="/flows/chart/?format=bpmn"' in admin.get("/search/").html
    assert admin.client.get("/flows/chart/?format=bpmn").status_code == 200


def test_fifty_wrong_passwords_then_the_right_one_are_refused_with_a_lockout_page(demo):
    # given someone guessing grid1's password through the sign-in form (CSRF and all)
    browser = Browser()
    for _ in range(50):
        assert browser.login("grid1", "guess").status in (200, 429)

    # when the right password comes next
    page = browser.login("grid1")

    # then a page says, in Chinese, that the account is locked: wait, or ask an administrator
    assert page.status == 429
    assert "锁定" in page and "管理员" in page
    assert int(page.response["Retry-After"]) > 0
    # and nobody is signed in
    assert browser.get("/my-cases/").url.startswith("/login/")


def test_fifty_wrong_passwords_then_the_right_one_are_refused_at_the_admin_login(demo):
    # given someone guessing the administrator's password at the admin's own sign-in form
    browser = Browser()
    for _ in range(50):
        browser.submit(browser.get("/admin/login/").form("/admin/login/"), username="admin", password="guess")

    # when the right password comes next
    page = browser.submit(browser.get("/admin/login/").form("/admin/login/"), username="admin", password="fengqiao-demo")

    # then it is refused with the lockout page, and the admin stays closed
    assert page.status == 429
    assert "锁定" in page
    assert browser.get("/admin/").url.startswith("/admin/login/")


def test_a_locked_out_user_is_not_locked_out_of_a_colleagues_sign_in(demo):
    # given grid1 locked out from this office's address
    browser = Browser()
    for _ in range(10):
        browser.login("grid1", "guess")
    assert browser.login("grid1").status == 429

    # then a colleague at the same address signs in as usual
    assert Browser("head1").get("/inbox/").status == 200
