"""Work queues (DESIGN.md §1, "mediators work queues"): `GET /api/v1/tasks/?view=…` and
claim / assign / unassign.

A task is in the queue of the body that works its rung: the village committee (its head and
mediators) or the township's governance center (its staff). Nobody sees or touches a task
outside their queues (404); claiming what someone else holds is a 409 conflict; only the
committee head or center staff assign; every claim, assignment and release is on the timeline.
"""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework import clock
from casework.models import Case, CaseEvent
from flows import engine
from tests.conftest import api_client, file_case, snapshot, user
from tests.flows.helpers import CASES, TASKS, file_via_api, fire, process_of, stage_clock
from tests.live import LiveASGIServer, request, run_together
from tests.snapshots import Snapshot

FENGXI_GRID_WORKER = "grid-33068110800201"  # 枫溪村 (mediator2's village), first grid
DIANKOU_CENTER_STAFF = "center-330681111"  # the other township's governance center
FENGYUAN_MEDIATOR = "mediator-330681108001"  # a second, non-head mediator of 枫源村


def stage_task_id(case_id: int) -> int:
    return engine.open_stage_task(process_of(case_id).pk).pk


def inbox(api, who: str, view: str = "all", **params) -> list[dict]:
    response = api(who).get(TASKS, {"view": view, "page_size": 100, **params})
    assert response.status_code == 200, response.data
    return response.data["results"]


def case_ids(rows: list[dict]) -> set[int]:
    return {row["case"]["id"] for row in rows}


def act(api, who: str, task_id, action: str, body: dict | None = None):
    return api(who).post(f"{TASKS}{task_id}/{action}/", body or {}, format="json")


def task_state(task_id: int) -> tuple:
    task = Task.objects.get(pk=task_id)
    return task.status, task.owner_id


def everything_of(cases: dict[str, int]) -> tuple:
    """Every case of the ladder and every task of their processes: what a refused request leaves alone."""
    ids = sorted(cases.values())
    tasks = Task.objects.filter(process__disputeprocess__case_id__in=ids).order_by("pk")
    return [snapshot(i) for i in ids], list(tasks.values_list("pk", "status", "owner_id"))


# --- who sees what ---

@pytest.fixture(scope="module")
def ladder_snapshot(topology_snapshot, django_db_blocker) -> Snapshot:
    """The ladder's cases, filed through the API once for the module (tests/snapshots.py)."""
    with django_db_blocker.unblock():
        return Snapshot.take(lambda: build_ladder(api_client), after=topology_snapshot)


@pytest.fixture
def ladder(demo, ladder_snapshot) -> dict[str, int]:
    """Cases at several rungs: two in 枫源村, one in 枫溪村, one escalated from each, and one in 店口镇;
    restored into this test's database, by name → case id."""
    return ladder_snapshot.restore()


def build_ladder(api) -> dict[str, int]:
    cases = {
        "fengyuan": file_via_api(api, "grid1"),
        "fengyuan_mediation": file_via_api(api, "grid1"),
        "fengxi": file_via_api(api, FENGXI_GRID_WORKER),
        "fengyuan_township": file_via_api(api, "grid1"),
        "fengxi_township": file_via_api(api, FENGXI_GRID_WORKER),
        "diankou": file_via_api(api, "grid2"),
    }
    fire(api, "head1", cases["fengyuan_mediation"], "accept", {"mediators": ["mediator1"]})
    fire(api, "head1", cases["fengyuan_township"], "escalate", {"reason": "村级调解难度大"})
    fire(api, "mediator2", cases["fengxi_township"], "escalate", {"reason": "涉及多户"})
    return cases


@pytest.mark.parametrize("who, sees", [
    ("mediator1", {"fengyuan", "fengyuan_mediation"}),
    ("head1", {"fengyuan", "fengyuan_mediation"}),
    ("mediator2", {"fengxi"}),
    ("center1", {"fengyuan_township", "fengxi_township"}),
    (DIANKOU_CENTER_STAFF, set()),
    ("grid1", set()),  # a grid worker files, but works no queue
    ("grid2", set()),
])
def test_each_user_sees_only_the_tasks_of_the_queues_they_work(ladder, api, who, sees):
    # when each user opens their inbox
    rows = inbox(api, who)

    # then it holds exactly the open stage tasks of their bodies' queues
    assert case_ids(rows) == {ladder[name] for name in sees}
    assert len(rows) == len(sees)  # one open task per case


def test_mediator2_never_sees_a_fengyuan_task_in_any_view(ladder, api):
    # given 枫源村's tasks, one of them claimed by mediator1
    fengyuan = {ladder["fengyuan"], ladder["fengyuan_mediation"], ladder["fengyuan_township"]}
    assert act(api, "mediator1", stage_task_id(ladder["fengyuan"]), "claim").status_code == 200

    # when mediator2 looks through every view, now and in a week's time
    seen = set()
    for moment in (clock.now(), clock.now() + dt.timedelta(days=7)):
        with clock.travel_to(moment):
            for view in ("mine", "queue", "due_soon", "overdue", "all"):
                seen |= case_ids(inbox(api, "mediator2", view))

    # then none of 枫源村's cases ever shows
    assert seen and not seen & fengyuan


def test_a_task_row_carries_its_stage_queue_case_and_due_moment(ladder, api):
    # when center1 opens the queue
    rows = {row["case"]["id"]: row for row in inbox(api, "center1", "queue")}

    # then each row says what to do, for which case, by when
    row = rows[ladder["fengyuan_township"]]
    case = Case.objects.get(pk=ladder["fengyuan_township"])
    assert row["id"] == stage_task_id(case.pk)
    assert (row["stage"], row["status"], row["owner"], row["overdue"]) == ("township_triage", "NEW", None, False)
    assert row["case"]["number"] == case.number and row["case"]["status"] == "township_triage"
    assert dt.datetime.fromisoformat(row["due_at"]) == stage_clock(case).due_at
    assert row["queue"]["id"] == int(Task.objects.get(pk=row["id"]).owner_permission_obj_pk)


# --- claim ---

def test_claim_takes_an_unclaimed_task_and_writes_an_event(ladder, api):
    # given an unclaimed acceptance task in 枫源村's queue
    case_id = ladder["fengyuan"]
    task_id = stage_task_id(case_id)
    version = Case.objects.get(pk=case_id).version

    # when mediator1 claims it
    response = act(api, "mediator1", task_id, "claim")

    # then it is theirs, and the timeline says so
    assert response.status_code == 200, response.data
    assert (response.data["owner"], response.data["status"]) == ("mediator1", "ASSIGNED")
    assert task_state(task_id) == (STATUS.ASSIGNED, user("mediator1").pk)
    event = CaseEvent.objects.filter(case_id=case_id).order_by("-seq").first()
    assert (event.action, event.actor_id) == ("claim", user("mediator1").pk)
    assert event.data == {"task": task_id, "stage": "village_acceptance", "assignee": "mediator1"}
    assert Case.objects.get(pk=case_id).version == version + 1


def test_claiming_a_task_someone_else_claimed_is_a_conflict_and_changes_nothing(ladder, api):
    # given a task mediator1 has claimed
    case_id = ladder["fengyuan"]
    task_id = stage_task_id(case_id)
    assert act(api, "mediator1", task_id, "claim").status_code == 200
    before, task_before = snapshot(case_id), task_state(task_id)

    # when the committee head tries to claim it too
    response = act(api, "head1", task_id, "claim")

    # then a 409 conflict names the holder, and nothing changed
    assert response.status_code == 409, response.data
    assert response.data["code"] == "conflict"
    assert snapshot(case_id) == before
    assert task_state(task_id) == task_before


def test_claiming_a_task_one_holds_already_is_harmless(ladder, api):
    # given a task mediator1 has claimed
    case_id = ladder["fengyuan"]
    task_id = stage_task_id(case_id)
    act(api, "mediator1", task_id, "claim")
    before = snapshot(case_id)

    # when mediator1 claims it again (a double tap)
    response = act(api, "mediator1", task_id, "claim")

    # then they still hold it and no second event is written
    assert response.status_code == 200 and response.data["owner"] == "mediator1"
    assert snapshot(case_id) == before


def test_claiming_a_finished_task_is_a_conflict(ladder, api):
    # given the acceptance task of a case that has since been accepted
    case_id = file_via_api(api)
    old_task = stage_task_id(case_id)
    fire(api, "head1", case_id, "accept", {"mediators": ["mediator1"]})
    before = snapshot(case_id)

    # when someone tries to claim the finished task
    response = act(api, "head1", old_task, "claim")

    # then it is refused as a conflict and nothing changed
    assert response.status_code == 409 and response.data["code"] == "conflict"
    assert snapshot(case_id) == before


# --- assign and unassign ---

def test_committee_head_assigns_a_task_to_a_mediator_and_the_timeline_says_who(ladder, api):
    # given an unclaimed task of 枫源村
    case_id = ladder["fengyuan"]
    task_id = stage_task_id(case_id)

    # when the committee head assigns it to mediator1
    response = act(api, "head1", task_id, "assign", {"assignee": "mediator1"})

    # then mediator1 holds it, sees it under "mine", and the event records who assigned whom
    assert response.status_code == 200, response.data
    assert task_state(task_id) == (STATUS.ASSIGNED, user("mediator1").pk)
    assert case_id in case_ids(inbox(api, "mediator1", "mine"))
    event = CaseEvent.objects.filter(case_id=case_id).order_by("-seq").first()
    assert (event.action, event.actor_id, event.data["assignee"]) == ("assign", user("head1").pk, "mediator1")


def test_a_mediator_may_not_assign_tasks(ladder, api):
    # given an unclaimed task of 枫源村
    case_id = ladder["fengyuan"]
    task_id = stage_task_id(case_id)
    before, task_before = snapshot(case_id), task_state(task_id)

    # when mediator1 (not the head) tries to assign it
    response = act(api, "mediator1", task_id, "assign", {"assignee": "head1"})

    # then 403, and nothing changed
    assert response.status_code == 403, response.data
    assert snapshot(case_id) == before and task_state(task_id) == task_before


def test_assigning_to_someone_outside_the_queue_is_refused_with_a_field_error(ladder, api):
    # given an unclaimed task of 枫源村
    case_id = ladder["fengyuan"]
    task_id = stage_task_id(case_id)
    before = snapshot(case_id)

    # when the head assigns it to 枫溪村's mediator, or to nobody known
    outsider = act(api, "head1", task_id, "assign", {"assignee": "mediator2"})
    unknown = act(api, "head1", task_id, "assign", {"assignee": "nobody-at-all"})

    # then both are 400 on the assignee field, and nothing changed
    assert outsider.status_code == 400 and "assignee" in outsider.data
    assert unknown.status_code == 400 and "assignee" in unknown.data
    assert snapshot(case_id) == before


def test_center_staff_assign_township_tasks(ladder, api):
    # given a task in 枫桥镇's center queue
    case_id = ladder["fengyuan_township"]
    task_id = stage_task_id(case_id)

    # when center1 assigns it to a colleague of the center
    response = act(api, "center1", task_id, "assign", {"assignee": "center-330681108"})

    # then the colleague holds it
    assert response.status_code == 200, response.data
    assert task_state(task_id) == (STATUS.ASSIGNED, user("center-330681108").pk)


def test_the_holder_gives_a_task_back_to_the_queue(ladder, api):
    # given a task mediator1 has claimed
    case_id = ladder["fengyuan"]
    task_id = stage_task_id(case_id)
    act(api, "mediator1", task_id, "claim")

    # when mediator1 unassigns it
    response = act(api, "mediator1", task_id, "unassign")

    # then it is back in the queue, unowned, and the release is on the timeline
    assert response.status_code == 200, response.data
    assert task_state(task_id) == (STATUS.NEW, None)
    assert case_id in case_ids(inbox(api, "head1", "queue"))
    event = CaseEvent.objects.filter(case_id=case_id).order_by("-seq").first()
    assert (event.action, event.actor_id, event.data["assignee"]) == ("unassign", user("mediator1").pk, None)


def test_another_mediator_may_not_unassign_a_task_but_the_head_may(ladder, api):
    # given a task mediator1 has claimed
    case_id = ladder["fengyuan"]
    task_id = stage_task_id(case_id)
    act(api, "mediator1", task_id, "claim")
    before = snapshot(case_id)

    # when a fellow mediator of the committee tries to release it: 403, nothing changed
    refused = act(api, FENGYUAN_MEDIATOR, task_id, "unassign")
    assert refused.status_code == 403, refused.data
    assert snapshot(case_id) == before and task_state(task_id) == (STATUS.ASSIGNED, user("mediator1").pk)

    # when the head releases it: back to the queue
    assert act(api, "head1", task_id, "unassign").status_code == 200
    assert task_state(task_id) == (STATUS.NEW, None)


def test_unassigning_an_unclaimed_task_is_a_conflict(ladder, api):
    # given an unclaimed task of 枫源村
    case_id = ladder["fengyuan"]
    task_id = stage_task_id(case_id)
    before, task_before = snapshot(case_id), task_state(task_id)
    # when the head unassigns it, then 409 conflict, and nothing changed
    response = act(api, "head1", task_id, "unassign")
    assert response.status_code == 409 and response.data["code"] == "conflict"
    assert snapshot(case_id) == before and task_state(task_id) == task_before == (STATUS.NEW, None)


# --- outside one's queues: 404 ---

@pytest.mark.parametrize("who", ["mediator2", "grid2", DIANKOU_CENTER_STAFF, "center1"])
@pytest.mark.parametrize("action", ["claim", "assign", "unassign"])
def test_a_task_outside_ones_queues_is_not_found_and_untouched(ladder, api, who, action):
    # given an acceptance task of 枫源村 (center1 works the township, not the village committee)
    case_id = ladder["fengyuan"]
    task_id = stage_task_id(case_id)
    act(api, "mediator1", task_id, "claim")
    before, task_before = snapshot(case_id), task_state(task_id)

    # when someone outside its queue acts on it
    response = act(api, who, task_id, action, {"assignee": "mediator1"})

    # then 404, as if it did not exist, and nothing changed
    assert response.status_code == 404, response.data
    assert snapshot(case_id) == before and task_state(task_id) == task_before


def test_an_administrators_claim_answers_with_what_it_did(ladder, api):
    # given an unclaimed task of 枫源村; the administrator may work every queue (flows.queues.may_work)
    case_id = ladder["fengyuan"]
    task_id = stage_task_id(case_id)
    before, task_before = snapshot(case_id), task_state(task_id)

    # when the administrator claims it
    response = act(api, "admin", task_id, "claim")

    # then the answer matches the effect: a 200 with the claimed task, or a refusal that changed nothing
    if response.status_code == 200:
        assert response.data["owner"] == "admin"
        assert task_state(task_id) == (STATUS.ASSIGNED, user("admin").pk)
    else:
        assert (snapshot(case_id), task_state(task_id)) == (before, task_before), (
            f"{response.status_code} {response.data}, yet the task is now {task_state(task_id)} "
            f"and the timeline ends with {CaseEvent.objects.filter(case_id=case_id).order_by('-seq').first().action!r}")


@pytest.mark.parametrize("task_id", ["999999", "abc", "-1"])
def test_an_unknown_task_id_is_not_found(ladder, api, task_id):
    # given the cases of the ladder, when the head claims a task that does not exist, then 404
    before = everything_of(ladder)
    assert act(api, "head1", task_id, "claim").status_code == 404
    # and no case or task changed
    assert everything_of(ladder) == before


def test_a_task_id_that_is_not_a_stage_task_is_not_a_task_one_can_claim(ladder, api):
    # given the id of a task of the case's process that is not a human stage task (its start)
    process = process_of(ladder["fengyuan"])
    other = Task.objects.filter(process=process).exclude(flow_task_type="HUMAN").order_by("pk").first()

    before, other_before = snapshot(ladder["fengyuan"]), task_state(other.pk)

    # when a committee member tries to claim it
    response = act(api, "head1", other.pk, "claim")

    # then it is not found, and neither that task nor the case changed
    assert response.status_code == 404
    assert task_state(other.pk) == other_before
    assert snapshot(ladder["fengyuan"]) == before


def test_an_unknown_action_or_view_is_refused(ladder, api):
    # given an unclaimed task of 枫源村
    case_id = ladder["fengyuan"]
    task_id = stage_task_id(case_id)
    before, task_before = snapshot(case_id), task_state(task_id)
    # when the head posts an action that does not exist, then 404 and nothing changed
    assert act(api, "head1", task_id, "complete").status_code == 404
    assert snapshot(case_id) == before and task_state(task_id) == task_before
    # and a view that does not exist is a 400
    assert api("head1").get(TASKS, {"view": "everything"}).status_code == 400


def test_an_anonymous_caller_is_refused(ladder, api):
    # given an unclaimed task of 枫源村
    case_id = ladder["fengyuan"]
    task_id = stage_task_id(case_id)
    before, task_before = snapshot(case_id), task_state(task_id)
    # when someone without credentials lists tasks or claims it, then refused
    assert api(None).get(TASKS).status_code in (401, 403)
    assert act(api, None, task_id, "claim").status_code in (401, 403)
    # and the task is still unclaimed, the case unchanged
    assert snapshot(case_id) == before and task_state(task_id) == task_before == (STATUS.NEW, None)


# --- the inbox views ---

def test_mine_and_queue_split_the_inbox_by_holder(ladder, api):
    # given 枫源村's acceptance task claimed by mediator1; its mediation task assigned to mediator1 at acceptance
    act(api, "mediator1", stage_task_id(ladder["fengyuan"]), "claim")
    unclaimed = file_via_api(api)

    # then mediator1's "mine" holds both of theirs, the head's "mine" none, and "queue" the unclaimed one
    assert case_ids(inbox(api, "mediator1", "mine")) == {ladder["fengyuan"], ladder["fengyuan_mediation"]}
    assert case_ids(inbox(api, "head1", "mine")) == set()
    assert case_ids(inbox(api, "head1", "queue")) == {unclaimed}
    assert case_ids(inbox(api, "mediator1", "all")) == {ladder["fengyuan"], ladder["fengyuan_mediation"], unclaimed}


def test_due_soon_and_overdue_follow_the_stage_clock(ladder, api):
    # given 枫源村's acceptance task (3 days) and its mediation task (30 days)
    acceptance = stage_clock(Case.objects.get(pk=ladder["fengyuan"]))
    mediation = stage_clock(Case.objects.get(pk=ladder["fengyuan_mediation"]))

    # when the head looks today: nothing is overdue, and "due soon" is within three days
    today_soon = case_ids(inbox(api, "head1", "due_soon"))
    assert case_ids(inbox(api, "head1", "overdue")) == set()
    assert ladder["fengyuan_mediation"] not in today_soon

    # when the head looks a day before the acceptance deadline
    with clock.travel_to(acceptance.due_at - dt.timedelta(days=1)):
        assert case_ids(inbox(api, "head1", "due_soon")) == {ladder["fengyuan"]}
        assert case_ids(inbox(api, "head1", "overdue")) == set()

    # when the head looks an hour after it (no sweep has run yet)
    with clock.travel_to(acceptance.due_at + dt.timedelta(hours=1)):
        overdue = inbox(api, "head1", "overdue")
        assert case_ids(overdue) == {ladder["fengyuan"]}
        assert overdue[0]["overdue"] is True
        assert case_ids(inbox(api, "head1", "due_soon")) == set()

    # when the head looks two days before the mediation deadline: the acceptance is long overdue
    with clock.travel_to(mediation.due_at - dt.timedelta(days=2)):
        assert case_ids(inbox(api, "head1", "due_soon")) == {ladder["fengyuan_mediation"]}
        assert case_ids(inbox(api, "head1", "overdue")) == {ladder["fengyuan"]}


def test_the_inbox_is_ordered_by_due_moment_first(ladder, api):
    # given tasks due at different moments in 枫源村's queue
    rows = inbox(api, "head1", "all")

    # then the one due first comes first
    due = [dt.datetime.fromisoformat(r["due_at"]) for r in rows]
    assert due == sorted(due)
    assert rows[0]["case"]["id"] == ladder["fengyuan"]


def test_a_paused_clock_is_neither_overdue_nor_due_soon_in_the_inbox(ladder, api):
    # given 枫源村's acceptance clock paused while a party is unreachable
    case_id = ladder["fengyuan"]
    due = stage_clock(Case.objects.get(pk=case_id)).due_at  # before the pause (which then moves it)
    response = api("head1").post(f"{CASES}{case_id}/deadline/pause/", {"reason": "当事人住院，暂无法联系"}, format="json")
    assert response.status_code == 200, response.data

    # when the head looks a day after the moment it would have fallen due
    with clock.travel_to(due + dt.timedelta(days=1)):
        overdue = case_ids(inbox(api, "head1", "overdue"))
        row = next(r for r in inbox(api, "head1", "all") if r["case"]["id"] == case_id)
        cases_overdue = {c["id"] for c in api("head1").get(CASES, {"overdue": "true"}).data["results"]}

    # then, as in the case list (and as the paused timers, which will not fire), the task is not overdue
    assert case_id not in cases_overdue
    assert row["overdue"] is False
    assert case_id not in overdue
    with clock.travel_to(due - dt.timedelta(days=1)):
        assert case_id not in case_ids(inbox(api, "head1", "due_soon"))


def test_a_claimed_task_is_still_escalated_by_its_breach(ladder, api):
    # given 枫源村's acceptance task claimed by mediator1, and left past its deadline
    case_id = ladder["fengyuan"]
    act(api, "mediator1", stage_task_id(case_id), "claim")
    due = stage_clock(Case.objects.get(pk=case_id)).due_at

    # when the deadline sweep runs
    call_command("fire_deadlines", as_of=(due + dt.timedelta(minutes=1)).isoformat(), stdout=io.StringIO())

    # then the case went up to the township, and the task left mediator1's inbox for center1's queue
    assert Case.objects.get(pk=case_id).status == "township_triage"
    assert case_id not in case_ids(inbox(api, "mediator1", "all"))
    assert case_id in case_ids(inbox(api, "center1", "queue"))


# --- at once, over the network ---

@pytest.mark.parametrize("round_", range(3))
def test_two_people_claiming_one_task_at_once_one_wins_the_other_gets_409(demo, transactional_db, round_):
    # given an unclaimed task of 枫源村 and two committee members, each with a token (committed: the
    # live server answers from its own connections)
    case_id = file_case("grid1").pk
    task_id = stage_task_id(case_id)
    tokens = {who: Token.objects.get_or_create(user=user(who))[0].key for who in ("mediator1", "head1")}
    events_before = CaseEvent.objects.filter(case_id=case_id).count()

    # when both claim it at the same moment through the real ASGI server
    with LiveASGIServer() as server:
        url = f"{server.url}{TASKS}{task_id}/claim/"
        replies = run_together([lambda t=t: request("POST", url, token=t, json_body={}) for t in tokens.values()])

    # then exactly one won; the other got a 409 conflict; the task has one owner and one claim event
    assert sorted(r.status for r in replies) == [200, 409], [(r.status, r.body[:200]) for r in replies]
    winner = next(r for r in replies if r.status == 200).json()["owner"]
    assert next(r for r in replies if r.status == 409).json()["code"] == "conflict"
    assert task_state(task_id) == (STATUS.ASSIGNED, user(winner).pk)
    claims = CaseEvent.objects.filter(case_id=case_id, seq__gt=events_before)
    assert list(claims.values_list("action", flat=True)) == ["claim"]
    assert claims.get().actor_id == user(winner).pk
