"""The case page's search sections: similar past cases (类案参考) and likely duplicates with their
one-tap merge (并单), each within the viewer's jurisdiction."""
from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.models import Case
from tests.conftest import file_case, frozen_clock, snapshot
from tests.search.engines import index_now
from tests.ui.conftest import Browser
from tests.ui.search_helpers import MOMENT, embedded_index_unopenable, search_engine_down, settled_case

VILLAGE_1_GRID_2_WORKER = "grid-33068110800102"  # 枫源村, second grid: beside grid1's
VILLAGE_2_GRID_WORKER = "grid-33068110800201"  # 枫溪村 (mediator2's village)
LEAK = {"title": "楼上卫生间漏水纠纷", "description": "楼上住户卫生间漏水，渗到楼下厨房，双方就维修费用协商未果。"}
OTHER_PEOPLE = [{"role": "applicant", "name": "王五", "phone": "13700002222"},
                {"role": "respondent", "name": "赵六", "phone": "13700003333"}]


@pytest.fixture
def frozen():
    with frozen_clock(MOMENT):
        yield


def section(page, element_id: str) -> str:
    match = re.search(rf'<section [^>]*id="{element_id}"[^>]*>(.*?)</section>', page.html, re.S)
    return match.group(1) if match else ""


def linked_cases(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'href="/cases/(\d+)/"', html)}


# --- similar past cases ----------------------------------------------------------------------


def test_similar_past_cases_show_outcome_rung_and_a_short_agreement(demo, search_index, frozen):
    # given a leak settled in the village with a long agreement, and a new leak being mediated
    terms = "楼上住户承担维修费用八百元，于三日内付清；" + "并负责重做卫生间防水层，" * 10
    past = settled_case(terms=terms, parties=OTHER_PEOPLE, **LEAK)
    unrelated = settled_case(title="宅基地界址纠纷", description="两户对宅基地东侧界址有争议。", parties=OTHER_PEOPLE)
    current = file_case(**LEAK)
    index_now()

    # when the mediator opens the new case
    page = Browser("mediator1").get(f"/cases/{current.pk}/")

    # then the settled leak is listed with its outcome, the rung it was settled at and its agreement, cut short
    assert page.status == 200
    similar = section(page, "similar")
    assert "类案参考" in page
    assert linked_cases(similar) == {past.pk}, similar
    assert unrelated.number not in similar
    assert "村（社区）化解" in similar
    assert "化解层级：村（社区）" in similar
    assert "楼上住户承担维修费用八百元" in similar
    shown = re.search(r'<p class="agreement"><span class="muted">调解协议：</span>([^<]+)</p>', similar).group(1)
    assert terms.startswith(shown.rstrip(".…")) and len(shown) <= 80


def test_similar_past_cases_never_come_from_outside_the_viewers_jurisdiction(demo, search_index, frozen):
    # given the same leak settled in 枫源村, in 枫溪村 and in the other township
    in_village_1 = settled_case("grid1", parties=OTHER_PEOPLE, **LEAK)
    in_village_2 = settled_case(VILLAGE_2_GRID_WORKER, parties=OTHER_PEOPLE, **LEAK)
    elsewhere = settled_case("grid2", parties=OTHER_PEOPLE, **LEAK)
    current = file_case(VILLAGE_2_GRID_WORKER, **LEAK)
    index_now()

    # when the mediator of 枫溪村 and the township center open the new case of 枫溪村
    mediator = section(Browser("mediator2").get(f"/cases/{current.pk}/"), "similar")
    center = section(Browser("center1").get(f"/cases/{current.pk}/"), "similar")

    # then each sees only what their jurisdiction holds
    assert linked_cases(mediator) == {in_village_2.pk}
    assert linked_cases(center) == {in_village_1.pk, in_village_2.pk}
    assert elsewhere.number not in mediator + center


def test_the_case_page_costs_as_many_queries_with_five_similar_cases_and_three_duplicates_as_with_one(
        demo, search_index, frozen):
    # given a case with one similar past case and one duplicate
    current = file_case(**LEAK)
    settled_case(parties=OTHER_PEOPLE, **LEAK)
    file_case(title="同一漏水纠纷（12345转来）")
    index_now()
    browser = Browser("head1")

    def case_page_queries() -> tuple[int, int, int]:
        with CaptureQueriesContext(connection) as captured:
            page = browser.get(f"/cases/{current.pk}/")
        assert page.status == 200
        return (len(captured.captured_queries), len(linked_cases(section(page, "similar"))),
                len(merge_forms(page, current)))

    browser.get(f"/cases/{current.pk}/")  # the session warm
    one, similar, duplicates = case_page_queries()
    assert (similar, duplicates) == (1, 1)

    # when there are five similar past cases, each with its agreement, and three duplicates
    for _ in range(4):
        settled_case(parties=OTHER_PEOPLE, **LEAK)
    for _ in range(2):
        file_case(title="同一漏水纠纷（12345转来）")
    index_now()
    five, similar, duplicates = case_page_queries()

    # then the page costs the same
    assert (similar, duplicates) == (5, 3)
    assert five == one


@pytest.mark.parametrize("failure", ["elasticsearch refuses connections", "embedded folder cannot be made"])
def test_the_case_page_renders_when_search_is_unavailable(demo, frozen, failure, tmp_path):
    # given a case with a duplicate by phone
    first = file_case()
    second = file_case(title="同一漏水纠纷（12345转来）", source="hotline_12345")
    browser = Browser("head1")

    # when the search engine is down
    down = search_engine_down() if failure.startswith("elasticsearch") else embedded_index_unopenable(tmp_path)
    with down:
        page = browser.get(f"/cases/{second.pk}/")

    # then the page is there, says similar cases cannot be shown, and still lists the duplicate
    assert page.status == 200
    assert "暂时无法显示类案参考" in page
    assert first.number in section(page, "duplicates")
    assert page.has_form(f"/cases/{second.pk}/act/merge/")


# --- likely duplicates and the one-tap merge -------------------------------------------------


def merge_forms(page, case: Case) -> dict[str, object]:
    """The one-tap merge forms of the duplicates section, by the number they merge into."""
    forms = [f for f in page.forms if f.action == f"/cases/{case.pk}/act/merge/" and "merge-note" not in f.names()]
    return {f.value("merge-into"): f for f in forms}


def test_a_committee_head_merges_a_duplicate_in_one_tap(demo, search_index, frozen):
    # given the same dispute filed twice, the second from the hotline
    first = file_case()
    second = file_case(title="同一漏水纠纷（12345转来）", source="hotline_12345")
    head = Browser("head1")
    page = head.get(f"/cases/{second.pk}/")
    assert first.number in section(page, "duplicates")
    assert "同一当事人（身份证号码或电话相同）" in section(page, "duplicates")

    # when the head taps “merge into” the first
    form = merge_forms(page, second)[first.number]
    assert form.attrs.get("data-confirm")
    result = head.submit(form)

    # then the second is closed as merged, pointing at the first, which carries on
    assert result.status == 200
    second.refresh_from_db()
    first.refresh_from_db()
    assert (second.status, second.outcome, second.merged_into_id) == ("closed", "merged", first.pk)
    assert first.is_open
    assert f"本案已并入 {first.number}，由该案继续办理。" in result
    assert f'href="/cases/{first.pk}/"' in result.html
    assert "已并单" in result
    assert 'id="duplicates"' not in result.html


def test_center_staff_may_merge_and_a_mediator_or_grid_worker_may_not(demo, search_index, frozen):
    first = file_case()
    second = file_case(title="同一漏水纠纷（12345转来）")
    for username, may in (("center1", True), ("head1", True), ("mediator1", False), ("grid1", False)):
        page = Browser(username).get(f"/cases/{second.pk}/")
        assert first.number in section(page, "duplicates"), username
        assert bool(merge_forms(page, second)) is may, username


def test_a_merge_without_its_csrf_token_is_refused_and_changes_nothing(demo, search_index, frozen):
    first = file_case()
    second = file_case(title="同一漏水纠纷（12345转来）")
    head = Browser("head1")
    form = merge_forms(head.get(f"/cases/{second.pk}/"), second)[first.number]
    before = snapshot(second.pk)

    data = {k: v for k, v in form.data().items() if k != "csrfmiddlewaretoken"}
    response = head.client.post(form.action, data)

    assert response.status_code == 403
    assert snapshot(second.pk) == before


def test_a_stale_merge_is_refused_with_the_page_as_it_now_is(demo, search_index, frozen):
    # given the head's page listing the first case as a duplicate
    first = file_case()
    second = file_case(title="同一漏水纠纷（12345转来）")
    head = Browser("head1")
    form = merge_forms(head.get(f"/cases/{second.pk}/"), second)[first.number]

    # when the center merges the first elsewhere before the head taps
    third = file_case(title="第三次登记")
    center = Browser("center1")
    center.submit(merge_forms(center.get(f"/cases/{first.pk}/"), first)[third.number])
    before = snapshot(second.pk)
    result = head.submit(form)

    # then the head's merge is refused with a message, and the second case is unchanged
    assert result.status == 400
    assert any("并入的目标案件须尚未办结" in m for m in result.messages), result.messages
    assert snapshot(second.pk) == before


def test_duplicates_never_come_from_outside_the_viewers_jurisdiction(demo, search_index, frozen):
    # given the same applicant's dispute filed in grid1's grid and in the next grid of the village,
    # and in the other township
    mine = file_case("grid1")
    next_grid = file_case(VILLAGE_1_GRID_2_WORKER)
    elsewhere = file_case("grid2")
    index_now()

    # then grid1 sees no duplicate of their case (the other lies outside their grid), the head does
    grid_page = Browser("grid1").get(f"/cases/{mine.pk}/")
    assert next_grid.number not in grid_page and 'id="duplicates"' not in grid_page.html
    head = section(Browser("head1").get(f"/cases/{mine.pk}/"), "duplicates")
    assert linked_cases(head) == {next_grid.pk}
    assert elsewhere.number not in head


def test_a_likely_duplicate_by_name_and_a_similar_story_is_listed_too(demo, frozen):
    # given a case whose applicant gave no number, and the same applicant's case filed again
    first = file_case(parties=[{"role": "applicant", "name": "欧阳娜娜"}, {"role": "respondent", "name": "李四"}],
                      **LEAK)
    second = file_case(parties=[{"role": "applicant", "name": "欧阳娜娜"}, {"role": "respondent", "name": "李四"}],
                       title="卫生间漏水赔偿纠纷", description=LEAK["description"])

    # then the head sees it, with why
    duplicates = section(Browser("head1").get(f"/cases/{second.pk}/"), "duplicates")
    assert linked_cases(duplicates) == {first.pk}
    assert "当事人同名，案情相似" in duplicates
