"""Likely duplicates (并单 candidates): while a case is being filed, and on an open case's page —
the same person by ID number or phone, or the same name with a similar description; open,
recent, in the same village, and only what the caller may see. Read from the database, so they
hold with any engine, or none answering."""
from __future__ import annotations

import datetime as dt

import pytest

from actions import services
from casework import clock
from tests.conftest import VALID_ID, file_case, user
from tests.search.engines import index_now

DRAFT = "/api/v1/search/duplicates/"
LEAK = "楼上住户卫生间漏水，渗到楼下厨房，双方就维修费用协商未果。"


@pytest.fixture
def backend(search_index, demo):
    return search_index


def draft(api, username="grid1", **body):
    response = api(username).post(DRAFT, body, format="json")
    assert response.status_code == 200, response.content
    return [(d["id"], d["reason"]) for d in response.json()["results"]]


def leak_case(**overrides):
    parties = overrides.pop("parties", [{"role": "applicant", "name": "张三", "id_number": VALID_ID},
                                        {"role": "respondent", "name": "李四", "phone": "13900001111"}])
    return file_case("grid1", description=LEAK, parties=parties, **overrides)


def test_same_id_number_or_phone_while_typing(backend, api):
    earlier = leak_case()
    assert draft(api, parties=[{"name": "", "id_number": VALID_ID.lower()}]) == [(earlier.pk, "same_person")]
    assert draft(api, parties=[{"name": "王五", "phone": "139 0000 1111"}]) == [(earlier.pk, "same_person")]
    # Half-typed numbers are not matched, and not refused either.
    assert draft(api, parties=[{"name": "", "phone": "1390000"}, {"name": "", "id_number": VALID_ID[:10]}]) == []


def test_same_name_with_a_similar_description(backend, api):
    earlier = leak_case()
    index_now()
    found = draft(api, parties=[{"name": "李四"}], description="楼上卫生间漏水渗到楼下厨房，维修费谈不拢。")
    assert found == [(earlier.pk, "same_name_similar")]


def test_same_name_with_an_unrelated_description_is_not_a_duplicate(backend, api):
    leak_case()
    index_now()
    assert draft(api, parties=[{"name": "李四"}], description="承包地边界界桩被移动，双方争执。") == []


def test_only_open_recent_cases_of_the_same_village(backend, api):
    with clock.travel_to(clock.now() - dt.timedelta(days=120)):
        leak_case()  # too old
    closed = leak_case()
    services.case_withdraw(case_id=closed.pk, actor=user("head1"), note="撤回")
    file_case("grid2", parties=[{"role": "applicant", "name": "张三", "id_number": VALID_ID}])  # another township
    index_now()
    assert draft(api, parties=[{"name": "张三", "id_number": VALID_ID}], description=LEAK) == []


def test_a_grid_outside_the_callers_jurisdiction_is_refused(backend, api):
    response = api("grid2").post(DRAFT, {"grid": "33068110800101", "parties": [{"name": "张三"}]}, format="json")
    assert response.status_code == 400 and "grid" in response.json()


def test_the_case_page_list_for_heads_and_center_staff(backend, api):
    earlier = leak_case()
    later = leak_case(parties=[{"role": "applicant", "name": "赵六", "phone": "13900001111"}])
    index_now()
    for username in ("head1", "center1"):
        response = api(username).get(f"/api/v1/cases/{later.pk}/duplicates/")
        assert response.status_code == 200
        assert [(d["id"], d["reason"]) for d in response.json()["results"]] == [(earlier.pk, "same_person")]
    assert api("mediator2").get(f"/api/v1/cases/{later.pk}/duplicates/").status_code == 404
    # Merged (并单), the duplicate is closed and offers nothing more.
    response = api("head1").post(f"/api/v1/cases/{later.pk}/transitions/merge/", {"into": earlier.pk}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["outcome"] == "merged"
    assert api("head1").get(f"/api/v1/cases/{later.pk}/duplicates/").json()["results"] == []
