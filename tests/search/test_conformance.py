"""One behaviour from every search backend: the same corpus, the same requests through the real
API, the same answers — on the embedded index always, on Elasticsearch when ELASTICSEARCH_URL is
set (CI: the noida-db stand-in)."""
from __future__ import annotations

import pytest
from django.db import transaction

from casework.models import Case, Region
from tests.search import corpus as corpus_module
from tests.search.engines import ENGINES, engine, index_now, needs

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", params=ENGINES)
def corpus(request, county, django_db_blocker, tmp_path_factory):
    """The corpus filed once per engine, indexed through the outbox, rolled back afterwards."""
    with engine(request.param, tmp_path_factory.mktemp("search")), django_db_blocker.unblock(), transaction.atomic():
        built = corpus_module.build()
        index_now()
        yield built
        transaction.set_rollback(True)


@pytest.fixture
def demo(shared_demo, corpus):
    return shared_demo


def search(api, user: str, **params):
    response = api(user).get("/api/v1/search/cases/", params)
    assert response.status_code == 200, response.content
    return response.json()


def numbers(body) -> list[str]:
    return [hit["number"] for hit in body["results"]]


def code_of(name: str) -> str:
    return Region.objects.get(name=name).code


# --- words -------------------------------------------------------------------------------------


def test_a_two_character_word_finds_open_and_closed_cases(demo, corpus, api):
    body = search(api, "center1", q="漏水")
    assert set(numbers(body)) == corpus.numbers("leak")
    assert body["results"][0]["status"] == "closed"


def test_one_character_finds_it_inside_words(demo, corpus, api):
    body = search(api, "center1", q="猪")
    assert set(numbers(body)) == corpus.numbers("pigs")


def test_four_characters_match_as_written_not_as_scattered_characters(demo, corpus, api):
    assert set(numbers(search(api, "center1", q="噪音扰民"))) == corpus.numbers("noise")
    # 扰民 and 噪音 both occur in the noise case, but not as 扰民噪音.
    assert search(api, "center1", q="扰民噪音")["count"] == 0


def test_every_word_must_occur(demo, corpus, api):
    assert set(numbers(search(api, "center1", q="漏水 厨房"))) == corpus.numbers("leak")
    assert search(api, "center1", q="漏水 宅基地")["count"] == 0


def test_chinese_mixed_with_digits_finds_amounts(demo, corpus, api):
    assert set(numbers(search(api, "center1", q="12000元"))) == corpus.numbers("loan")
    assert set(numbers(search(api, "county1", q="3000元"))) == corpus.numbers("leak", "factory")


def test_a_case_number_or_its_sequence(demo, corpus, api):
    number = Case.objects.get(pk=corpus["homestead"]).number
    assert numbers(search(api, "center1", q=number)) == [number]
    assert number in numbers(search(api, "center1", q=number.split("-")[1], page_size=50))


def test_party_names(demo, corpus, api):
    assert set(numbers(search(api, "center1", q="欧阳娜娜"))) == corpus.numbers("loan")
    assert set(numbers(search(api, "center1", q="李四"))) == corpus.numbers("leak")


def test_a_phone_or_id_number_finds_the_party_but_is_not_indexed_in_clear(demo, corpus, api):
    assert set(numbers(search(api, "county1", q=corpus_module.PHONE_OF_QIAN))) == corpus.numbers("factory")
    assert set(numbers(search(api, "center1", q=corpus_module.ID_OF_OUYANG))) == corpus.numbers("loan")
    # Part of a number is not a number: nothing holds the digits to match.
    assert search(api, "county1", q=corpus_module.PHONE_OF_QIAN[:7])["count"] == 0


def test_full_width_and_case_are_folded(demo, corpus, api):
    assert set(numbers(search(api, "center1", q="１２０００元"))) == corpus.numbers("loan")


# --- filters, facets, highlights, pages --------------------------------------------------------


def test_filters_narrow_the_words(demo, corpus, api):
    body = search(api, "center1", q="赡养", status="closed")
    assert set(numbers(body)) == corpus.numbers("elder0", "elder1", "elder2")
    body = search(api, "center1", q="赡养", year="2026")
    assert set(numbers(body)) == corpus.numbers("elder_open")
    body = search(api, "center1", dispute_type="environment")
    assert set(numbers(body)) == corpus.numbers("pigs")


def test_facets_count_what_matches(demo, corpus, api):
    facets = search(api, "center1", q="赡养")["facets"]
    assert facets["status"] == {"closed": 3, "reported": 1}
    assert facets["outcome"] == {"resolved_village": 3}
    assert facets["dispute_type"] == {"marriage_family": 4}
    assert facets["year"] == {"2025": 3, "2026": 1}
    assert facets["village"] == {code_of("枫源村"): 4}


def test_facets_never_count_a_case_outside_the_jurisdiction(demo, corpus, api):
    """A 店口镇 user's facets never count a 枫桥镇 case, and the other way round."""
    dianko = search(api, "center-330681111", q="赡养")
    assert dianko["count"] == 1
    assert dianko["facets"]["township"] == {code_of("店口镇"): 1}
    assert sum(dianko["facets"]["status"].values()) == 1
    fengqiao = search(api, "center1", q="漏水")
    assert fengqiao["facets"]["township"] == {code_of("枫桥镇"): 1}
    everywhere = search(api, "county1", q="赡养")
    assert everywhere["facets"]["township"] == {code_of("枫桥镇"): 4, code_of("店口镇"): 1}


def test_a_mediator_sees_their_village_only(demo, corpus, api):
    body = search(api, "mediator2", q="漏水")  # 枫溪村: the leak is in 枫源村
    assert body["count"] == 0 and body["facets"]["status"] == {}


def test_region_narrows_within_the_jurisdiction_never_beyond(demo, corpus, api):
    assert search(api, "county1", q="漏水", region=code_of("店口镇"))["count"] == 1
    assert search(api, "center1", q="漏水", region=code_of("店口镇"))["count"] == 0


def test_highlights_mark_the_words(demo, corpus, api):
    hit = search(api, "center1", q="漏水")["results"][0]
    assert "<em>漏水</em>" in hit["highlight"]["title"]
    assert "<em>漏水</em>" in hit["highlight"]["description"]


def test_pages(demo, corpus, api):
    first = search(api, "center1", q="邻里琐事", page_size=5)
    assert first["count"] == 12 and len(first["results"]) == 5 and first["previous"] is None
    third = search(api, "center1", q="邻里琐事", page_size=5, page=3)
    assert len(third["results"]) == 2 and third["next"] is None
    seen = set()
    for page in (1, 2, 3):
        seen |= set(numbers(search(api, "center1", q="邻里琐事", page_size=5, page=page)))
    assert len(seen) == 12


def test_without_words_newest_first(demo, corpus, api):
    """Newest to the second first, then the later filing (search.documents.recency)."""
    body = search(api, "center1", dispute_type="neighborhood", page_size=50)
    cases = Case.objects.filter(number__in=numbers(body))
    filed = sorted(cases, key=lambda c: (c.created_at.replace(microsecond=0), c.pk), reverse=True)
    assert numbers(body) == [c.number for c in filed] and len(filed) == 14


def test_relevance_puts_the_closer_match_first(demo, corpus, api):
    body = search(api, "county1", q="赡养费")
    assert body["results"][0]["score"] >= body["results"][-1]["score"]
    assert all(hit["score"] is not None for hit in body["results"])


# --- similar cases -----------------------------------------------------------------------------


def test_similar_past_cases_come_first_and_are_closed(demo, corpus, api, request):
    needs(request, "copy_to")
    response = api("center1").get(f"/api/v1/cases/{corpus['elder_open']}/similar/", {"size": 3})
    assert response.status_code == 200
    results = response.json()["results"]
    assert {r["id"] for r in results} == {corpus["elder0"], corpus["elder1"], corpus["elder2"]}
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)
    assert all(r["status"] == "closed" and r["rung"] == "village" and r["agreement"] for r in results)


def test_similar_cases_stay_in_the_jurisdiction(demo, corpus, api):
    response = api("center-330681111").get(f"/api/v1/cases/{corpus['elder_other']}/similar/")
    assert response.status_code == 200
    ids = {r["id"] for r in response.json()["results"]}
    assert not ids & {corpus["elder0"], corpus["elder1"], corpus["elder2"]}


def test_similar_of_a_case_outside_the_jurisdiction_is_404(demo, corpus, api):
    assert api("mediator2").get(f"/api/v1/cases/{corpus['leak']}/similar/").status_code == 404


# --- the list's q -------------------------------------------------------------------------------


def test_the_case_list_searches_with_q(demo, corpus, api):
    response = api("center1").get("/api/v1/cases/", {"q": "漏水"})
    assert response.status_code == 200
    assert {row["number"] for row in response.json()["results"]} == corpus.numbers("leak")
    response = api("center1").get("/api/v1/cases/", {"q": "赡养", "status": "closed"})
    assert {row["id"] for row in response.json()["results"]} == {corpus["elder0"], corpus["elder1"], corpus["elder2"]}


# --- bad queries --------------------------------------------------------------------------------


@pytest.mark.parametrize("params, field", [
    ({"q": "！！"}, "q"),
    ({"q": " ".join(f"词{i}" for i in range(11))}, "q"),
    ({"status": "lost"}, "status"),
    ({"year": "last"}, "year"),
    ({"page": "0"}, "page"),
    ({"page_size": "1000"}, "page_size"),
    ({"page": "600", "page_size": "20"}, "page"),
    ({"overdue": "maybe"}, "overdue"),
    ({"filed_from": "2026-02-01", "filed_to": "2026-01-01"}, "filed_to"),
])
def test_a_bad_query_is_a_400_naming_the_field(demo, corpus, api, params, field):
    response = api("center1").get("/api/v1/search/cases/", params)
    assert response.status_code == 400
    assert field in response.json()


def test_anonymous_is_refused(demo, corpus, api):
    assert api(None).get("/api/v1/search/cases/", {"q": "漏水"}).status_code in (401, 403)


def test_similar_costs_the_same_queries_for_one_or_ten(demo, corpus, api):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client, counts = api("county1"), []
    for size in (1, 1, 10):  # the first call also makes the token
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/api/v1/cases/{corpus['elder_open']}/similar/", {"size": size}).status_code == 200
        counts.append(len(queries))
    assert counts[1] == counts[2]
