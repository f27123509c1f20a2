"""Case search (案件查询): every case of the viewer's jurisdiction, closed ones included, by words
and facets. A search engine that does not answer leaves the page up, saying so."""
from __future__ import annotations

from django.http import QueryDict
from django.shortcuts import render

from search import selectors as search_selectors
from search.query import SearchError, SearchUnavailable
from ui import search_presenters as present
from ui import selectors
from ui.access import page_for
from ui.forms.search import MAX_PAGE, PAGE_SIZE, CaseSearchForm


@page_for("ui:search")
def search(request):
    viewer = request.user
    form = CaseSearchForm(request.GET, viewer=viewer)
    context = {"form": form, "unavailable": False, "rows": [], "facets": [], "pages": None}
    valid = form.is_valid()
    # The filters ride along when the box is sent again; one the form refused is dropped.
    context["kept_filters"] = [(name, value) for name, values in form.filters().items() for value in values]
    context["kept_filters"] += form.range_filters()
    if not valid:
        return render(request, "ui/search.html", context, status=400)
    try:
        found = search_selectors.search_cases(viewer=viewer, params=form.params())
    except SearchError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return render(request, "ui/search.html", context, status=400)
    except SearchUnavailable:
        context["unavailable"] = True
        return render(request, "ui/search.html", context, status=503)
    cases = selectors.cases_by_id(viewer, [hit.id for hit in found.hits])
    context.update(
        rows=present.result_rows(found.hits, cases),
        facets=present.facets(found.facets, form, request.GET, found.count),
        pages=present.Pages(number=form.page_number, count=found.count, size=PAGE_SIZE, last=MAX_PAGE),
        count=found.count,
        ranges=present.range_chips(form, request.GET),
        filtered=any(form.filters().values()) or bool(form.range_filters()),
        clear_url=f"?{_only_q(request.GET)}",
    )
    return render(request, "ui/search.html", context)


def _only_q(query: QueryDict) -> str:
    """The search's words without its filters: what “clear the filters” links to."""
    kept = QueryDict(mutable=True)
    if query.get("q"):
        kept["q"] = query["q"]
    return kept.urlencode()
