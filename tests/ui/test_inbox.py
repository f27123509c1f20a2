"""The mediator's inbox: only their committee's queue; claiming, assigning, putting back."""
import re

from tests.conftest import snapshot
from tests.ui.conftest import Browser, stage_task, user
from tests.ui.helpers import file_via_ui

# grid-<grid code>: the demo grid worker of 枫溪村 (the second village of 枫桥镇), mediator2's village.
SECOND_VILLAGE_GRID_WORKER = "grid-33068110800201"


def test_a_mediator_sees_only_their_committees_queue(demo):
    # given a dispute in mediator1's village and one in mediator2's
    _, mine = file_via_ui(Browser("grid1"), title="枫源村邻里纠纷")
    _, theirs = file_via_ui(Browser(SECOND_VILLAGE_GRID_WORKER), title="枫溪村邻里纠纷", address="枫溪村")

    # when each mediator opens the queue tab of their inbox
    first = Browser("mediator1").get("/inbox/?view=queue")
    second = Browser("mediator2").get("/inbox/?view=queue")

    # then each sees the task of their own village only
    assert first.status == second.status == 200
    assert mine.number in first and theirs.number not in first
    assert theirs.number in second and mine.number not in second
    # with the stage, the countdown and the risk on the row, and the claim button
    assert "村（社区）受理" in first and "剩余" in first and "一般" in first
    assert first.has_form(f"/tasks/{stage_task(mine).pk}/claim/")


def test_claiming_moves_the_task_to_mine(demo):
    # given a task waiting in the committee's queue
    _, case = file_via_ui(Browser("grid1"))
    mediator = Browser("mediator1")
    queue = mediator.get("/inbox/?view=queue")
    task = stage_task(case)

    # when the mediator claims it
    page = mediator.submit(queue.form(f"/tasks/{task.pk}/claim/"))

    # then it is theirs, on the "mine" tab, with the allowed actions one click away
    task.refresh_from_db()
    assert task.owner == user("mediator1")
    assert "您已认领该任务。" in page.messages
    mine = mediator.get("/inbox/?view=mine")
    assert case.number in mine
    assert f'href="/cases/{case.pk}/#act-accept"' in mine.html


def test_claiming_a_task_someone_else_claimed_shows_who_and_changes_nothing(demo):
    # given the committee head looking at the queue with a claim button on a task
    _, case = file_via_ui(Browser("grid1"))
    head = Browser("head1")
    stale_queue = head.get("/inbox/?view=queue")
    task = stage_task(case)
    claim = stale_queue.form(f"/tasks/{task.pk}/claim/")

    # and mediator1 claiming it first
    mediator = Browser("mediator1")
    mediator.submit(mediator.get("/inbox/?view=queue").form(f"/tasks/{task.pk}/claim/"))
    before = snapshot(case.pk)

    # when the head presses the claim button on their stale page
    page = head.submit(claim)

    # then they are told who has it, and nothing changed
    assert page.status == 409
    assert any("已被赵调解认领" in m for m in page.messages), page.messages
    task.refresh_from_db()
    assert task.owner == user("mediator1")
    assert snapshot(case.pk) == before


def test_the_head_assigns_and_puts_back_a_task(demo):
    # given a task in the queue of 枫源村's committee
    _, case = file_via_ui(Browser("grid1"))
    head = Browser("head1")
    task = stage_task(case)

    # when the head assigns it to mediator1
    page = head.submit(head.get("/inbox/?view=queue").form(f"/tasks/{task.pk}/assign/"), assignee="mediator1")

    # then mediator1 holds it
    task.refresh_from_db()
    assert task.owner == user("mediator1")
    assert "已将该任务指派给赵调解。" in page.messages

    # when the head puts it back in the queue
    head.submit(head.get("/inbox/?view=all").form(f"/tasks/{task.pk}/unassign/"))

    # then nobody holds it
    task.refresh_from_db()
    assert task.owner is None


def test_a_mediator_cannot_assign(demo):
    # given a task in the queue
    _, case = file_via_ui(Browser("grid1"))
    mediator = Browser("mediator1")

    # when a plain mediator looks at the queue
    page = mediator.get("/inbox/?view=queue")

    # then there is a claim button but no assign menu
    task = stage_task(case)
    assert page.has_form(f"/tasks/{task.pk}/claim/")
    assert not page.has_form(f"/tasks/{task.pk}/assign/")


# --- "assigned to you" means it is in 我的任务, and the API's assigned_to_me says the same ---

FENGYUAN_MEDIATOR = "mediator-330681108001"  # a second, non-head mediator of 枫源村
CASES = "/api/v1/cases/"


def mine_tab(page) -> tuple[str, set[str]]:
    """The count on the 我的任务 tab and the case numbers its rows show."""
    count = re.search(r'href="\?view=mine"[^>]*>\s*我的任务\s*<span class="count">(\d+)</span>', page.html)
    assert count, "no 我的任务 tab"
    return count[1], set(re.findall(r'<a class="case-no" href="/cases/\d+/">([^<]+)</a>', page.html))


def assigned_to_me(api, who: str) -> set[int]:
    response = api(who).get(CASES, {"assigned_to_me": "true"})
    assert response.status_code == 200, response.data
    return {row["id"] for row in response.data["results"]}


def assigned_notifications(who: str, case) -> int:
    return user(who).notifications.filter(case=case, kind="assigned").count()


def test_a_mediator_the_head_names_with_themselves_finds_the_case_in_my_tasks(demo, api):
    # given a dispute the head accepts on the case page, leaving themselves ticked (the form's
    # default) and ticking mediator1 as well
    _, case = file_via_ui(Browser("grid1"))
    head = Browser("head1")
    page = head.act(case, "accept", mediators=[user("head1").pk, user("mediator1").pk])
    assert page.status == 200 and page.messages, page.messages

    # then mediator1 was told 指派给您
    assert assigned_notifications("mediator1", case) == 1

    # and when mediator1 opens their inbox, 我的任务 lists the case and counts it
    count, numbers = mine_tab(Browser("mediator1").get("/inbox/?view=mine"))
    assert (count, numbers) == ("1", {case.number})
    # and the API's assigned_to_me agrees, for both of them
    assert assigned_to_me(api, "mediator1") == {case.pk}
    assert mine_tab(head.get("/inbox/?view=mine")) == ("1", {case.number})
    assert assigned_to_me(api, "head1") == {case.pk}


def test_a_task_the_head_assigns_is_in_the_assignees_tasks_and_assigned_to_them(demo, api):
    # given a dispute waiting for acceptance, and one mediator1 is not concerned with
    _, case = file_via_ui(Browser("grid1"))
    _, other = file_via_ui(Browser("grid1"), title="另一起纠纷")
    head = Browser("head1")

    # when the head assigns its acceptance task to mediator1 from the inbox
    head.submit(head.get("/inbox/?view=queue").form(f"/tasks/{stage_task(case).pk}/assign/"), assignee="mediator1")

    # then mediator1 was told, finds it in 我的任务, and the API's assigned_to_me says the same
    assert assigned_notifications("mediator1", case) == 1
    assert mine_tab(Browser("mediator1").get("/inbox/?view=mine")) == ("1", {case.number})
    assert assigned_to_me(api, "mediator1") == {case.pk}
    response = api("mediator1").get(CASES, {"assigned_to_me": "false"})
    assert {row["id"] for row in response.data["results"]} == {other.pk}


def test_a_mediation_task_the_head_reassigns_is_the_assignees_to_mediate(demo, api):
    # given a dispute accepted with mediator1 as its mediator
    _, case = file_via_ui(Browser("grid1"))
    head = Browser("head1")
    head.act(case, "accept", mediators=[user("mediator1").pk])
    task = stage_task(case)

    # when the head gives the mediation task to another mediator of the village
    head.submit(head.get("/inbox/?view=all").form(f"/tasks/{task.pk}/assign/"), assignee=FENGYUAN_MEDIATOR)

    # then that mediator finds it in 我的任务, assigned to them through the API, and may record
    # the agreement from their inbox row (a named mediator of the case)
    page = Browser(FENGYUAN_MEDIATOR).get("/inbox/?view=mine")
    assert mine_tab(page) == ("1", {case.number})
    assert f'href="/cases/{case.pk}/#act-record_agreement"' in page.html
    assert assigned_to_me(api, FENGYUAN_MEDIATOR) == {case.pk}
    assert "record_agreement" in api(FENGYUAN_MEDIATOR).get(f"{CASES}{case.pk}/").data["allowed_transitions"]
