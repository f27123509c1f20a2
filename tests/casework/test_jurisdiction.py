"""Jurisdiction through the HTTP API (DESIGN.md §3): a user sees and acts only within their subtree.

One case sits in each corner of 诸暨市 that the demo users straddle:

    fengyuan_1  枫源村 grid 1   (grid1's grid)            枫桥镇
    fengyuan_2  枫源村 grid 2   (head1/mediator1's village) 枫桥镇
    fengxi      枫溪村 grid 1   (mediator2's village)       枫桥镇
    diankou     湄池村 grid 1   (grid2's grid)              店口镇

Outside one's subtree a case is a 404 on every endpoint, indistinguishable from a case that
does not exist, and absent from the list.
"""
from __future__ import annotations

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from actions import services
from casework.models import Attachment, Case, CaseDeadline, CaseEvent
from tests.conftest import file_case, snapshot, user

# A 1×1 transparent PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
REPORTERS = {
    "fengyuan_1": "grid1",
    "fengyuan_2": "grid-33068110800102",
    "fengxi": "grid-33068110800201",
    "diankou": "grid2",
}
ALL = frozenset(REPORTERS)
FENGYUAN = frozenset({"fengyuan_1", "fengyuan_2"})
FENGQIAO = FENGYUAN | {"fengxi"}
# What each demo user sees (API.md's table of demo users, DESIGN.md §3).
VISIBLE = {
    "grid1": frozenset({"fengyuan_1"}),
    "grid2": frozenset({"diankou"}),
    "head1": FENGYUAN,
    "mediator1": FENGYUAN,
    "mediator2": frozenset({"fengxi"}),
    "center1": FENGQIAO,
    "super1": FENGQIAO,
    "county1": ALL,
    "admin": ALL,
}
MISSING_ID = 99_999_999


@pytest.fixture
def demo(shared_demo):
    return shared_demo


def png(name: str = "现场照片.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@pytest.fixture
def cases(demo) -> dict[str, Case]:
    """One reported case in each corner, each with a photo attached by its reporter."""
    made = {}
    for key, reporter in REPORTERS.items():
        case = file_case(reporter, title=f"漏水纠纷（{key}）")
        services.case_add_attachment(case_id=case.pk, actor=user(reporter), upload=png(),
                                     content_type="image/png", extension="png")
        made[key] = Case.objects.get(pk=case.pk)
    return made


def attachment_of(case: Case) -> int:
    return Attachment.objects.filter(case=case).values_list("pk", flat=True).get()


def everything() -> tuple:
    """Every row a request on a case could touch: a refused request leaves all of it as it was."""
    return (
        tuple(Case.objects.order_by("pk").values_list("pk", "status", "outcome", "version", "event_count",
                                                      "last_event_hash")),
        tuple(CaseEvent.objects.order_by("pk").values_list("pk", "hash")),
        tuple(CaseDeadline.objects.order_by("pk").values_list("pk", "state", "due_at", "paused_at")),
        tuple(Attachment.objects.order_by("pk").values_list("pk", "sha256")),
    )


# --- every case endpoint, outside the subtree -------------------------------------------------

def _detail(client, case_id, attachment_id):
    return client.get(f"/api/v1/cases/{case_id}/")


def _transition(client, case_id, attachment_id):
    return client.post(f"/api/v1/cases/{case_id}/transitions/escalate/", {"reason": "涉及多户"}, format="json")


def _attachment_list(client, case_id, attachment_id):
    return client.get(f"/api/v1/cases/{case_id}/attachments/")


def _attachment_upload(client, case_id, attachment_id):
    return client.post(f"/api/v1/cases/{case_id}/attachments/", {"file": png()}, format="multipart")


def _attachment_download(client, case_id, attachment_id):
    return client.get(f"/api/v1/cases/{case_id}/attachments/{attachment_id}/")


def _deadline_pause(client, case_id, attachment_id):
    return client.post(f"/api/v1/cases/{case_id}/deadline/pause/", {"reason": "当事人联系不上"}, format="json")


def _deadline_resume(client, case_id, attachment_id):
    return client.post(f"/api/v1/cases/{case_id}/deadline/resume/", {}, format="json")


ENDPOINTS = {
    "detail": _detail,
    "transition": _transition,
    "attachment_list": _attachment_list,
    "attachment_upload": _attachment_upload,
    "attachment_download": _attachment_download,
    "deadline_pause": _deadline_pause,
    "deadline_resume": _deadline_resume,
}
# What the same request gets from inside the subtree (the case's committee head, or grid1 for its own case).
INSIDE_STATUS = {
    "detail": 200, "transition": 200, "attachment_list": 200, "attachment_upload": 201,
    "attachment_download": 200, "deadline_pause": 200, "deadline_resume": 200,
}


def prepare(endpoint: str, where: str, case: Case) -> None:
    """Put the case where the request would succeed for someone inside (resume needs a paused clock:
    paused by the administrator, since the acceptance clock is the village committee's, not the grid's)."""
    if endpoint == "deadline_resume":
        services.case_pause_clock(case_id=case.pk, actor=user("admin"), reason="当事人外出务工")


# For each user, the nearest case outside their subtree: the one most likely to leak.
NEAREST_OUTSIDE = [
    ("grid1", "fengyuan_2"),  # the other grid of the same village
    ("head1", "fengxi"),  # another village of the same township
    ("mediator1", "fengxi"),
    ("mediator2", "fengyuan_1"),
    ("center1", "diankou"),  # another township
    ("super1", "diankou"),
    ("grid2", "fengyuan_1"),
]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(("username", "where"), NEAREST_OUTSIDE)
def test_every_case_endpoint_answers_404_outside_the_callers_subtree_and_changes_nothing(
    cases, api, username, where, endpoint
):
    # given a case the user cannot see, ready for the request to succeed for someone who can
    case = cases[where]
    prepare(endpoint, where, case)
    before = (snapshot(case.pk), everything())
    client = api(username)

    # when the user makes the request
    response = ENDPOINTS[endpoint](client, case.pk, attachment_of(case))

    # then it is a 404, exactly as for a case that does not exist, and nothing changed
    assert response.status_code == 404, getattr(response, "data", response)
    assert response.json()["code"] == "not_found"
    missing = ENDPOINTS[endpoint](client, MISSING_ID, attachment_of(case))
    assert (missing.status_code, missing.json()) == (404, response.json())
    assert (snapshot(case.pk), everything()) == before


# The event each writing endpoint appends to the case; the others only read.
INSIDE_EVENT = {"transition": "escalate", "attachment_upload": "attach", "deadline_pause": "pause_clock",
                "deadline_resume": "resume_clock"}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_the_same_requests_succeed_inside_the_subtree(cases, api, endpoint):
    # given grid1's own case (so the 404s above come from jurisdiction, not from a broken request)
    case = cases["fengyuan_1"]
    prepare(endpoint, "fengyuan_1", case)
    before = snapshot(case.pk)
    attachments_before = set(Attachment.objects.filter(case=case).values_list("pk", flat=True))

    # when the village committee head makes the request
    response = ENDPOINTS[endpoint](api("head1"), case.pk, attachment_of(case))

    # then it succeeds
    assert response.status_code == INSIDE_STATUS[endpoint], getattr(response, "data", response)
    if endpoint == "attachment_download":
        assert b"".join(response.streaming_content) == PNG
    after = snapshot(case.pk)
    if endpoint not in INSIDE_EVENT:
        # and a read leaves the case as it was
        assert after == before
        return
    # and a write moved the case on by one version and one event, the head's, of that action
    assert (after[2], after[3]) == (before[2] + 1, before[3] + 1)
    last = CaseEvent.objects.filter(case=case).order_by("-seq").first()
    assert (last.action, last.actor.username) == (INSIDE_EVENT[endpoint], "head1")
    # and did what it says
    clock_ = CaseDeadline.objects.filter(case=case, ended_at__isnull=True).order_by("-started_at").first()
    if endpoint == "transition":
        assert after[0] == "township_triage"
        assert clock_.kind == "township_triage"
    else:
        assert after[0] == before[0] == "reported"
    if endpoint == "attachment_upload":
        new = Attachment.objects.filter(case=case).exclude(pk__in=attachments_before).get()
        assert (new.pk, new.uploaded_by.username, new.content_type, new.size) == (
            response.json()["id"], "head1", "image/png", len(PNG))
    if endpoint == "deadline_pause":
        assert (clock_.kind, clock_.state, clock_.paused_at is not None) == ("acceptance", "paused", True)
    if endpoint == "deadline_resume":
        assert (clock_.kind, clock_.state, clock_.paused_at) == ("acceptance", "running", None)


def test_attachment_of_a_case_outside_cannot_be_fetched_through_a_case_inside(cases, api):
    # given grid1's own case and the attachment of a case in 店口镇
    own, foreign = cases["fengyuan_1"], cases["diankou"]

    # when grid1 asks for the foreign attachment under its own case's URL
    response = api("grid1").get(f"/api/v1/cases/{own.pk}/attachments/{attachment_of(foreign)}/")

    # then there is no such attachment
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("case_id", ["abc", "-1", "0", str(MISSING_ID)])
def test_a_case_id_that_names_no_case_is_404(cases, api, case_id):
    # given the administrator, who sees everything
    client = api("admin")

    # when they ask for a case that does not exist
    response = client.get(f"/api/v1/cases/{case_id}/")

    # then 404, not 400 or 500
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- the list ---------------------------------------------------------------------------------

@pytest.mark.parametrize("username", VISIBLE)
def test_case_list_holds_exactly_the_cases_under_the_callers_regions(cases, api, username):
    # given one case in each corner of the county
    expected = {cases[key].pk for key in VISIBLE[username]}

    # when the user lists cases
    response = api(username).get("/api/v1/cases/", {"page_size": 100})

    # then they see those under their regions and no other
    assert response.status_code == 200
    assert {row["id"] for row in response.data["results"]} == expected
    assert response.data["count"] == len(expected)


@pytest.mark.parametrize(("username", "params", "expected"), [
    # the whole county: still only grid1's grid
    pytest.param("grid1", {"region": "330681"}, {"fengyuan_1"}, id="grid1-whole-county"),
    # its own village: not the sibling grid
    pytest.param("grid1", {"region": "330681108001"}, {"fengyuan_1"}, id="grid1-own-village"),
    pytest.param("center1", {"region": "330681111"}, set(), id="center1-another-township"),
    pytest.param("head1", {"region": "330681108002", "status": "reported"}, set(), id="head1-sibling-village"),
    pytest.param("mediator2", {"status": "reported", "risk_level": "normal", "dispute_type": "neighborhood"},
                 {"fengxi"}, id="mediator2-status-risk-type"),
])
def test_list_filters_never_reach_outside_the_callers_subtree(cases, api, username, params, expected):
    # given one case in each corner of the county, all reported, normal-risk neighbourhood disputes
    # when the user filters the list, even by a region outside their subtree
    response = api(username).get("/api/v1/cases/", {**params, "page_size": 100})

    # then only what lies in both the filter and their subtree comes back
    assert response.status_code == 200
    assert {row["id"] for row in response.data["results"]} == {cases[key].pk for key in expected}
    assert response.data["count"] == len(expected)


def test_list_filtered_to_a_region_inside_the_subtree_holds_just_that_region(cases, api):
    # given center1, whose township holds three of the cases
    # when they filter on 枫源村
    response = api("center1").get("/api/v1/cases/", {"region": "330681108001", "page_size": 100})

    # then they get 枫源村's two cases (so the filter above narrows rather than empties)
    assert response.status_code == 200
    assert {row["id"] for row in response.data["results"]} == {cases[k].pk for k in FENGYUAN}


# --- regions ----------------------------------------------------------------------------------

VILLAGES_OF_FENGQIAO = ["330681108001", "330681108002", "330681108003"]


@pytest.mark.parametrize(("username", "parent", "children"), [
    ("county1", "330681", ["330681108", "330681111"]),
    ("admin", "330681", ["330681108", "330681111"]),
    ("center1", "330681108", VILLAGES_OF_FENGQIAO),
    ("super1", "330681108", VILLAGES_OF_FENGQIAO),
    ("county1", "330681108", VILLAGES_OF_FENGQIAO),
    ("head1", "330681108001", ["33068110800101", "33068110800102"]),
    ("mediator1", "330681108001", ["33068110800101", "33068110800102"]),
    ("mediator2", "330681108002", ["33068110800201", "33068110800202"]),
    ("center1", "330681108003", ["33068110800301", "33068110800302"]),
    ("grid1", "33068110800101", []),  # a grid has no children
])
def test_regions_lists_the_children_of_a_region_inside_the_callers_subtree(demo, api, username, parent, children):
    # given a region inside the user's subtree
    # when they ask for its children
    response = api(username).get("/api/v1/regions/", {"parent": parent})

    # then they get exactly its children, in the shape API.md gives
    assert response.status_code == 200, response.data
    assert sorted(r["code"] for r in response.data) == children
    assert all(set(r) == {"code", "name", "level", "path"} for r in response.data)


@pytest.mark.parametrize(("username", "parent"), [
    ("grid1", "330681108001"),  # its own village lies above its grid
    ("grid1", "330681"),
    ("head1", "330681108"),  # its township lies above its village
    ("head1", "330681108002"),  # a sibling village
    ("mediator2", "330681108001"),
    ("center1", "330681"),  # the county lies above its township
    ("center1", "330681111"),  # another township
    ("super1", "330681111001"),  # a village of another township
    ("grid2", "330681108"),
    ("county1", "999999"),  # no such region
])
def test_regions_outside_the_callers_subtree_are_404(demo, api, username, parent):
    # given a region outside the user's subtree (or none at all)
    # when they ask for its children
    response = api(username).get("/api/v1/regions/", {"parent": parent})

    # then there is no such region for them
    assert response.status_code == 404, response.data
    assert response.data["code"] == "not_found"


# --- me ---------------------------------------------------------------------------------------

def test_me_describes_the_caller_in_the_shape_api_md_gives(demo, api):
    # given grid1, a grid worker of 枫源村's first grid
    # when they ask who they are
    response = api("grid1").get("/api/v1/me/")

    # then exactly the fields of API.md
    assert response.status_code == 200
    assert response.data == {
        "username": "grid1",
        "display_name": "王网格",
        "roles": [{"role": "grid_worker", "region": {
            "code": "33068110800101", "name": "枫源村第1网格", "level": "grid", "path": "330681.108.001.01",
        }}],
    }


@pytest.mark.parametrize(("username", "role", "code", "level"), [
    ("grid1", "grid_worker", "33068110800101", "grid"),
    ("grid2", "grid_worker", "33068111100101", "grid"),
    ("head1", "committee_head", "330681108001", "village"),
    ("mediator1", "mediator", "330681108001", "village"),
    ("mediator2", "mediator", "330681108002", "village"),
    ("center1", "center_staff", "330681108", "township"),
    ("super1", "township_supervisor", "330681108", "township"),
    ("county1", "county_supervisor", "330681", "county"),
    ("admin", "admin", "330681", "county"),
])
def test_me_gives_each_demo_user_their_role_where_api_md_puts_it(demo, api, username, role, code, level):
    # given a demo user of API.md
    # when they ask who they are
    data = api(username).get("/api/v1/me/").data

    # then their one role, at the region the table of demo users gives
    assert set(data) == {"username", "display_name", "roles"}
    assert data["username"] == username and data["display_name"]
    assert [(r["role"], r["region"]["code"], r["region"]["level"]) for r in data["roles"]] == [(role, code, level)]
    assert set(data["roles"][0]["region"]) == {"code", "name", "level", "path"}


# --- anonymous callers ------------------------------------------------------------------------

ANONYMOUS_REQUESTS = [
    ("get", "/api/v1/me/", None),
    ("get", "/api/v1/regions/?parent=330681", None),
    ("get", "/api/v1/cases/", None),
    ("post", "/api/v1/cases/", {"title": "匿名登记"}),
    ("get", "/api/v1/cases/{id}/", None),
    ("post", "/api/v1/cases/{id}/transitions/escalate/", {"reason": "匿名上报"}),
    ("get", "/api/v1/cases/{id}/attachments/", None),
    ("get", "/api/v1/cases/{id}/attachments/{attachment}/", None),
    ("post", "/api/v1/cases/{id}/deadline/pause/", {"reason": "匿名"}),
]


@pytest.mark.parametrize("credentials", [None, "Token 0123456789abcdef0123456789abcdef01234567"], ids=["none", "bad-token"])
@pytest.mark.parametrize(("method", "path", "body"), ANONYMOUS_REQUESTS, ids=[f"{m}-{p}" for m, p, _ in ANONYMOUS_REQUESTS])
def test_requests_without_valid_credentials_are_refused_and_change_nothing(cases, api, method, path, body, credentials):
    # given a case, and a caller with no credentials or a token that does not exist
    case = cases["fengyuan_1"]
    before = everything()
    client = api(None)
    if credentials:
        client.credentials(HTTP_AUTHORIZATION=credentials)

    # when they call the API
    url = path.format(id=case.pk, attachment=attachment_of(case))
    response = getattr(client, method)(url, body, format="json") if body else getattr(client, method)(url)

    # then they are refused before anything is read or written
    assert response.status_code in (401, 403), response.status_code
    assert set(response.json()) <= {"detail", "code"}
    assert everything() == before
