"""A case outside one's jurisdiction does not exist, on every page and every form of the UI."""
import pytest

from actions import services
from casework.choices import Role
from casework.ladder import TRANSITIONS
from casework.models import Region, RoleAssignment, User
from tests.conftest import snapshot
from tests.ui.conftest import PASSWORD, Browser, stage_task, user
from tests.ui.helpers import file_via_ui


@pytest.mark.parametrize("outsider", ["mediator2", "grid2"])
def test_a_case_outside_jurisdiction_is_404_on_every_ui_page(demo, outsider):
    # given a case of 枫源村, filed through the form, with its stage task
    _, case = file_via_ui(Browser("grid1"))
    task = stage_task(case)
    before = snapshot(case.pk)
    browser = Browser(outsider)  # mediator of 枫溪村 / grid worker of the other township
    token = browser.get("/").form("/logout/").value("csrfmiddlewaretoken")

    def post(url: str, data: dict | None = None) -> int:
        return browser.client.post(url, {"csrfmiddlewaretoken": token, **(data or {})}).status_code

    # when the outsider opens its page or sends any of its forms
    statuses = {"page": browser.client.get(f"/cases/{case.pk}/").status_code}
    for name in TRANSITIONS:
        statuses[name] = post(f"/cases/{case.pk}/act/{name}/", {f"{name}-seen_version": case.version,
                                                                f"{name}-note": "x", f"{name}-reason": "x"})
    for action in ("pause", "resume"):
        statuses[action] = post(f"/cases/{case.pk}/deadline/{action}/", {"pause-reason": "x"})
    statuses["risk"] = post(f"/cases/{case.pk}/risk/", {"risk-risk_level": "high", "risk-reason": "x",
                                                        "risk-seen_version": case.version})
    for action in ("claim", "assign", "unassign"):
        statuses[f"task {action}"] = post(f"/tasks/{task.pk}/{action}/", {"assignee": outsider})

    # then every one is 404 and nothing changed
    assert set(statuses.values()) == {404}, statuses
    assert snapshot(case.pk) == before
    # and the case shows on none of their lists (a list outside their role's job refuses them
    # altogether: tests/ui/test_roles.py)
    for url in ("/my-cases/", "/inbox/?view=queue", "/triage/", "/board/", "/search/?q=漏水"):
        page = browser.get(url)
        assert page.status in (200, 403) and case.number not in page, url


def test_an_unknown_case_or_action_is_404(demo):
    # given the administrator, and a case filed through the form with its open stage task
    browser = Browser("admin")
    assert browser.client.get("/cases/999999/").status_code == 404
    token = browser.get("/").form("/logout/").value("csrfmiddlewaretoken")
    _, case = file_via_ui(Browser("grid1"))
    task = stage_task(case)
    before, task_before = snapshot(case.pk), (task.status, task.owner_id)
    # when they send an action, a clock action and a task action that do not exist, then each is 404
    assert browser.client.post(f"/cases/{case.pk}/act/explode/", {"csrfmiddlewaretoken": token}).status_code == 404
    assert browser.client.post(f"/cases/{case.pk}/deadline/stop/", {"csrfmiddlewaretoken": token}).status_code == 404
    assert browser.client.post("/tasks/abc/claim/", {"csrfmiddlewaretoken": token}).status_code == 404
    # and nothing changed: the case, its clock and its task are as they were
    assert snapshot(case.pk) == before
    assert case.deadlines.get().state == "running"
    task.refresh_from_db()
    assert (task.status, task.owner_id) == task_before


def test_the_live_boards_refresh_shows_only_cases_in_jurisdiction(demo):
    # given an escalated case of 枫源村
    _, case = file_via_ui(Browser("grid1"))
    services.case_escalate(case_id=case.pk, actor=user("head1"), reason="村级调解难度大")

    # and the center staff of another township (店口镇), who works a board of their own
    outsider = User.objects.create_user(username="center_dk", password=PASSWORD)
    RoleAssignment.objects.create(user=outsider, role=Role.CENTER_STAFF, region=Region.objects.get(name="店口镇"))

    # when the township supervisor and the other township's center ask the board's refresh for it
    own = Browser("super1").client.get("/board/live/", {"cases": f"{case.pk},99999999999999999999"})
    other = Browser("center_dk").client.get("/board/live/", {"cases": str(case.pk)})

    # then the supervisor gets its row, in the escalated list, counted; the outsider neither
    assert own.status_code == other.status_code == 200
    assert list(own.json()["rows"]) == [str(case.pk)] and own.json()["rows"][str(case.pk)]["lists"] == ["escalated"]
    assert case.number in own.json()["rows"][str(case.pk)]["html"] and own.json()["counts"]["escalated"] == 1
    assert other.json()["rows"] == {} and other.json()["counts"]["escalated"] == 0
    assert case.number not in other.content.decode()
