"""The supervisors' live board in a real browser (Debian's chromium through Playwright), on
the whole ASGI application — HTTP with its static files, and the WebSocket.

Cases are escalated and filed through the live HTTP API while the board stays open: what
the test waits for must appear without a reload. The waits are upper bounds ("within
seconds"), never measurements. A screenshot of the board is kept in test-artifacts/.
"""
from __future__ import annotations

import re
import uuid

import pytest

from tests.conftest import file_case, filing_body, user
from tests.live import request
from tests.ui.browser import ARTIFACTS, BROWSER, orm, sign_in

pytestmark = BROWSER
SECONDS = 1000  # Playwright counts milliseconds
SOCKET = re.compile(r".*/ws/notifications/.*")


@pytest.fixture
def server(live_site):
    return live_site


def token(username: str) -> str:
    from rest_framework.authtoken.models import Token

    return orm(lambda: Token.objects.get_or_create(user=user(username))[0].key)


def escalate_new_case(server) -> dict:
    """A case of 枫源村 filed by grid1 and escalated by head1, both through the API."""
    filed = request("POST", f"{server.url}/api/v1/cases/", token=token("grid1"),
                    json_body=filing_body(title="宅基地界址纠纷"), headers={"Idempotency-Key": uuid.uuid4().hex})
    assert filed.status == 201, filed.body
    case = filed.json()
    reply = request("POST", f"{server.url}/api/v1/cases/{case['id']}/transitions/escalate/",
                    token=token("head1"), json_body={"reason": "村级调解难度大"})
    assert reply.status == 200, reply.body
    return case


def counter(page, kind: str) -> str:
    return page.inner_text(f"[data-counter={kind}] b")


def test_escalations_and_high_risk_appear_on_the_open_board_without_a_reload(server, chromium):
    # given super1's board, open and live
    page = sign_in(chromium, server.url, "super1")
    page.goto(server.url + "/board/")
    page.wait_for_selector("[data-live-status=live]", timeout=15 * SECONDS)
    assert counter(page, "escalated") == "0"
    page.click("[data-sound-toggle]")  # the supervisor turns the tone on (a tap, as browsers require)

    # when head1 escalates a case through the API
    case = escalate_new_case(server)

    # then within seconds it is in the live feed and on top of the escalated list, counted
    page.wait_for_selector(f".feed .note a.case-no:text-is('{case['number']}')", timeout=10 * SECONDS)
    assert page.is_visible(f"[data-live-list=escalated] tr[data-case-id='{case['id']}']")
    assert counter(page, "escalated") == "1"
    assert page.is_hidden("#risk-alert")

    # when grid1 files a high-risk dispute
    risky = request("POST", f"{server.url}/api/v1/cases/", token=token("grid1"),
                    json_body=filing_body(title="山林权属群体纠纷", risk_level="high", people_involved=40),
                    headers={"Idempotency-Key": "board-high-risk"}).json()

    # then the alert shows it, the tone was played, and it is counted and listed as high risk
    page.wait_for_selector("#risk-alert:not([hidden])", timeout=10 * SECONDS)
    assert risky["number"] in page.inner_text("#risk-alert")
    assert page.get_attribute("#risk-alert", "data-sound") == "played"
    assert counter(page, "high_risk") == "1"
    assert page.is_visible(f"[data-live-list=high_risk] tr[data-case-id='{risky['id']}']")

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "supervisor-board-live.png"), full_page=True)

    # and acknowledging the escalation takes it off the counter, for good
    page.click(f".feed .note:has(a.case-no:text-is('{case['number']}')) button[data-ack]")
    page.wait_for_function("() => document.querySelector('[data-counter=escalated] b').textContent === '0'",
                           timeout=10 * SECONDS)
    page.reload()
    page.wait_for_selector("[data-live-status=live]", timeout=15 * SECONDS)
    page.wait_for_function("() => document.querySelector('[data-counter=high_risk] b').textContent === '1'",
                           timeout=10 * SECONDS)
    assert counter(page, "escalated") == "0"


def test_the_board_reconnects_by_itself_and_shows_what_it_missed(server, chromium):
    # given super1's board, whose socket goes through a switch the test holds
    page = sign_in(chromium, server.url, "super1")
    state = {"down": False, "routes": []}

    def switch(route) -> None:
        if state["down"]:
            route.close()  # the network is down: the attempt fails at once
            return
        route.connect_to_server()
        state["routes"].append(route)

    page.route_web_socket(SOCKET, switch)
    page.goto(server.url + "/board/")
    page.wait_for_selector("[data-live-status=live]", timeout=15 * SECONDS)

    # when the network drops, and two cases are escalated while it is down
    state["down"] = True
    state["routes"][-1].close()
    page.wait_for_selector("[data-live-status=reconnecting]", timeout=10 * SECONDS)
    missed = [escalate_new_case(server) for _ in range(2)]
    assert counter(page, "escalated") == "0"

    # then, once the network is back, the board reconnects without a reload and shows both
    state["down"] = False
    page.wait_for_selector("[data-live-status=live]", timeout=60 * SECONDS)
    for case in missed:
        page.wait_for_selector(f".feed .note a.case-no:text-is('{case['number']}')", timeout=10 * SECONDS)
    assert counter(page, "escalated") == "2"
    assert page.locator(".feed .note").count() == 2

    # and a notification read elsewhere while it was away leaves it at the next reconnection
    first = orm(lambda: user("super1").notifications.get(case_id=missed[0]["id"]).pk)
    state["down"] = True
    state["routes"][-1].close()
    page.wait_for_selector("[data-live-status=reconnecting]", timeout=10 * SECONDS)
    reply = request("POST", f"{server.url}/api/v1/notifications/{first}/read/", token=token("super1"))
    assert reply.status == 200
    state["down"] = False
    page.wait_for_function("() => document.querySelector('[data-counter=escalated] b').textContent === '1'",
                           timeout=60 * SECONDS)
    assert page.locator(".feed .note").count() == 1


def test_the_board_counts_what_was_unread_before_it_opened_and_marks_all_read(server, chromium):
    # given an escalation super1 has not seen
    orm(lambda: _escalate_in_service())

    # when the board opens, its counters start from the unread backlog
    page = sign_in(chromium, server.url, "super1")
    page.goto(server.url + "/board/")
    page.wait_for_function("() => document.querySelector('[data-counter=escalated] b').textContent === '1'",
                           timeout=15 * SECONDS)
    assert page.locator(".feed .note").count() == 1

    # and "mark all read" (the API, with the session and its CSRF token) clears it, for good
    page.click("[data-read-all]")
    page.wait_for_function("() => document.querySelector('[data-counter=escalated] b').textContent === '0'",
                           timeout=10 * SECONDS)
    assert orm(lambda: user("super1").notifications.filter(read_at__isnull=True).count()) == 0


def _escalate_in_service() -> None:
    from actions import services

    case = file_case()
    services.case_escalate(case_id=case.pk, actor=user("head1"), reason="村级调解难度大")


def test_a_board_whose_session_ended_goes_back_to_sign_in(server, chromium):
    # given super1's board, live, its socket through a switch the test holds
    page = sign_in(chromium, server.url, "super1")
    routes = []

    def through(route) -> None:
        route.connect_to_server()
        routes.append(route)

    page.route_web_socket(SOCKET, through)
    page.goto(server.url + "/board/")
    page.wait_for_selector("[data-live-status=live]", timeout=15 * SECONDS)

    # when the session ends (signed out elsewhere) and the connection drops
    page.context.clear_cookies()
    routes[-1].close()

    # then, its reconnections refused, the board finds out why and shows the sign-in page
    page.wait_for_url(re.compile(r".*/login/.*"), timeout=30 * SECONDS)


# --- the top tiles and the lists follow the live events ---

def tiles(page) -> list[str]:
    """The board's top tiles and its by-status tiles, as read: "label number" each."""
    return page.eval_on_selector_all(
        "main .stats:not(.live-counters) .stat",
        "els => els.map(e => e.innerText.replace(/\\s+/g, ' ').trim())")


def tile(page, label: str) -> str:
    found = [t.rsplit(" ", 1)[1] for t in tiles(page) if t.rsplit(" ", 1)[0] == label]
    assert found, (label, tiles(page))
    return found[0]


def wait_for_tile(page, label: str, value: str) -> None:
    page.wait_for_function(
        """([label, value]) => Array.from(document.querySelectorAll("main .stats:not(.live-counters) .stat"))
             .some(e => e.querySelector("span").textContent.trim() === label && e.querySelector("b").textContent.trim() === value)""",
        arg=[label, value], timeout=10 * SECONDS)


def _file_in_the_past(days: int):
    """A village case filed `days` ago: its acceptance deadline has passed and not yet fired."""
    import datetime as dt

    from casework import clock

    with clock.travel_to(clock.now() - dt.timedelta(days=days)):
        return file_case(title="土地承包边界纠纷")


def _escalate_new() -> object:
    from actions import services

    case = file_case(title="宅基地界址纠纷")
    services.case_escalate(case_id=case.pk, actor=user("head1"), reason="村级调解难度大")
    return case


def _fire_due_deadlines() -> str:
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("fire_deadlines", stdout=out)
    return out.getvalue()


def test_the_tiles_and_lists_follow_live_events_and_new_rows_show_their_countdown(server, chromium):
    # given a village case whose acceptance deadline passed unfired, and super1's board, live
    stale = orm(lambda: _file_in_the_past(days=10))
    page = sign_in(chromium, server.url, "super1")
    page.goto(server.url + "/board/")
    page.wait_for_selector("[data-live-status=live]", timeout=15 * SECONDS)
    # (waited for, not read at once: the tiles may be drawn again as the connection's backlog arrives)
    for label, value in (("已上报", "0"), ("已超期", "1"), ("重大风险", "0"), ("全部案件", "1")):
        wait_for_tile(page, label, value)
    assert page.is_visible(f"[data-live-list=overdue] tr[data-case-id='{stale.pk}']")

    # when head1 escalates a case through the services, while the board stays open
    escalated = orm(_escalate_new)

    # then the tiles count it at once: escalated, open, all, and by status in township triage
    page.wait_for_selector(f".feed .note a.case-no:text-is('{escalated.number}')", timeout=10 * SECONDS)
    wait_for_tile(page, "已上报", "1")
    assert (tile(page, "在办"), tile(page, "全部案件"), tile(page, "乡镇（街道）分流")) == ("2", "2", "1")
    # and its row in the escalated list shows its countdown, as a row the server rendered would
    row = f"[data-live-list=escalated] tr[data-case-id='{escalated.pk}']"
    page.wait_for_selector(f"{row} .countdown", timeout=10 * SECONDS)
    assert page.inner_text(f"{row} .countdown").startswith("剩余")

    # when grid1 files a high-risk dispute (the system sends it straight to the township)
    risky = orm(lambda: file_case(title="山林权属群体纠纷", risk_level="high", people_involved=40))

    # then the high-risk tile and counter agree, and it is escalated as well
    page.wait_for_selector("#risk-alert:not([hidden])", timeout=10 * SECONDS)
    wait_for_tile(page, "重大风险", "1")
    assert counter(page, "high_risk") == "1"
    assert tile(page, "已上报") == "2"
    page.wait_for_selector(f"[data-live-list=high_risk] tr[data-case-id='{risky.pk}'] .countdown", timeout=10 * SECONDS)

    # when the deadline sweep runs: the stale case is warned, breached and escalated by the system
    out = orm(_fire_due_deadlines)
    assert out.startswith("2 deadline(s) fired"), out

    # then it has left the overdue tile and list (its township clock has just started) for the
    # escalated ones, with its new countdown
    for kind in ("deadline_warning", "deadline_breached", "escalated"):
        page.wait_for_selector(f".feed .note.kind-{kind} a.case-no:text-is('{stale.number}')", timeout=10 * SECONDS)
    wait_for_tile(page, "已超期", "0")
    page.wait_for_selector(f"[data-live-list=overdue] tr[data-case-id='{stale.pk}']", state="detached",
                           timeout=10 * SECONDS)
    page.wait_for_selector(f"[data-live-list=escalated] tr[data-case-id='{stale.pk}'] .countdown", timeout=10 * SECONDS)
    # (the breach and the escalation it causes are two commits: a refresh may fall between them,
    # and the one after the escalation's notification settles the tiles)
    wait_for_tile(page, "已上报", "3")
    assert (tile(page, "已上报"), tile(page, "待受理"), tile(page, "乡镇（街道）分流")) == ("3", "0", "3")
    # and the tiles agree with the live counters: every unread escalation and high-risk alarm
    # is an escalated case, every high-risk alarm a high-risk case
    assert (counter(page, "escalated"), counter(page, "high_risk"), counter(page, "deadline_breached")) == ("2", "1", "1")
    assert int(tile(page, "已上报")) == int(counter(page, "escalated")) + int(counter(page, "high_risk"))
    assert page.inner_text("[data-live-list=escalated] [data-count]") == "3"
    assert page.inner_text("[data-live-list=overdue] [data-count]") == "0"

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "supervisor-board-tiles.png"), full_page=True)

    # and what the live board shows is what a reload shows
    live = tiles(page)
    page.reload()
    page.wait_for_selector("[data-live-status=live]", timeout=15 * SECONDS)
    assert tiles(page) == live
