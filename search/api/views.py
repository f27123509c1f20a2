"""The search endpoints. A search engine that does not answer is a 503 with Retry-After
(config.rest.errors); the rest of the API does not depend on it."""
from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from casework.models import Case
from config.rest.requests import path_id
from search import selectors
from search.api import serializers as s
from search.documents import current_agreements
from search.query import Hit, Page, SearchError

AGREEMENT_SUMMARY = 120


def run_search(request, params: selectors.SearchParams, *, facets: bool = True) -> Page:
    try:
        return selectors.search_cases(viewer=request.user, params=params, facets=facets)
    except SearchError as exc:
        from rest_framework.exceptions import ValidationError

        raise ValidationError({exc.field: [exc.message]}) from exc


def page_links(request, page: int, page_size: int, count: int) -> tuple[str | None, str | None]:
    url = request.build_absolute_uri()
    following = replace_query_param(url, "page", page + 1) if page * page_size < count else None
    if page <= 1:
        return following, None
    previous = remove_query_param(url, "page") if page == 2 else replace_query_param(url, "page", page - 1)
    return following, previous


def hit_data(hit: Hit) -> dict:
    return {"id": hit.id, "number": hit.number, "title": hit.title, "status": hit.status,
            "dispute_type": hit.dispute_type, "outcome": hit.outcome, "score": hit.score, "highlight": hit.highlight}


class SearchView(APIView):
    @extend_schema(parameters=[s.SearchInput], responses=s.SearchResultSerializer)
    def get(self, request):
        form = s.SearchInput(data=request.query_params)
        form.is_valid(raise_exception=True)
        found = run_search(request, form.params())
        following, previous = page_links(request, form.validated_data["page"], form.validated_data["page_size"],
                                         found.count)
        return Response({"count": found.count, "next": following, "previous": previous,
                         "results": [hit_data(hit) for hit in found.hits], "facets": found.facets})


class SimilarView(APIView):
    @extend_schema(parameters=[s.SimilarInput], responses=s.SimilarResultSerializer)
    def get(self, request, case_id):
        form = s.SimilarInput(data=request.query_params)
        form.is_valid(raise_exception=True)
        found = selectors.similar_cases(viewer=request.user, case_id=path_id(case_id, _("No such case.")),
                                        size=form.validated_data["size"])
        cases = Case.objects.prefetch_related(current_agreements()).in_bulk([hit.id for hit in found.hits])
        results = []
        for hit in found.hits:
            case = cases.get(hit.id)
            agreement = (case.current_agreements or [None])[0] if case else None
            terms = agreement.terms if agreement else ""
            results.append({**hit_data(hit), "rung": selectors.settled_rung(case) if case else "",
                            "closed_at": case.closed_at if case else None,
                            "agreement": terms[:AGREEMENT_SUMMARY] + ("…" if len(terms) > AGREEMENT_SUMMARY else "")})
        return Response(s.SimilarResultSerializer({"results": results}).data)


class DraftDuplicatesView(APIView):
    """The warning at filing: open cases of the village that likely report the same dispute.
    A POST, because the body carries ID numbers and phones, which must never sit in a URL."""

    @extend_schema(request=s.DraftInput, responses=s.DuplicateResultSerializer)
    def post(self, request):
        form = s.DraftInput(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        data = form.validated_data
        found = selectors.draft_duplicates(viewer=request.user, grid_path=data["grid"].path, parties=data["parties"],
                                           title=data["title"], description=data["description"])
        return Response(s.DuplicateResultSerializer({"results": found}).data)


class CaseDuplicatesView(APIView):
    @extend_schema(responses=s.DuplicateResultSerializer)
    def get(self, request, case_id):
        found = selectors.likely_duplicates(viewer=request.user, case_id=path_id(case_id, _("No such case.")))
        return Response(s.DuplicateResultSerializer({"results": found}).data)
