"""The case search form (案件查询): the search box and the facet filters, read from the query string.

The filters arrive as links the page draws (a facet value clicked) and ride along as hidden
fields when the box is sent again; a value that is not one of the viewer's choices is a field
error shown on the page, never a 500.
"""
from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casework import permissions as perms
from casework.choices import DisputeType, Outcome, RegionLevel, Status
from casework.errors import NotFound
from casework.models import Region, User, enclosing_paths
from casework.selectors import case_scope, visible_region
from search.query import MAX_WINDOW, SearchError, parse_terms
from search.selectors import SearchParams

PAGE_SIZE = 20
MAX_PAGE = MAX_WINDOW // PAGE_SIZE
FIRST_YEAR, LAST_YEAR = 1990, 2100
# The facets the page offers, in the order it shows them; each is also a filter of the form.
FACETS = ("dispute_type", "status", "outcome", "township", "village", "year")
# The filters the statistics page's links add (the cases behind a figure): a region's subtree and
# a range of filing dates. They ride along like the facets, and show as chosen filters.
RANGE_FILTERS = ("region", "filed_from", "filed_to")


class FilterField(forms.MultipleChoiceField):
    """Any of the chosen values; an empty one (`?status=`) chooses nothing rather than being refused."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[str]:
        return [v for v in super().to_python(value) if v != ""]


class YearsField(FilterField):
    """Years as four digits; any year of the range is a choice (the facet lists those that occur)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(choices=[(str(y), str(y)) for y in range(FIRST_YEAR, LAST_YEAR + 1)], **kwargs)


def viewer_regions(viewer: User) -> list[Region]:
    """The townships and villages the viewer's cases may lie in, the facet filters' choices: those
    of their jurisdiction and those enclosing it (a village committee's cases are all of its township)."""
    scope = perms.scope_paths(viewer)
    enclosing = {path for mine in scope for path in enclosing_paths(mine)}
    return list(Region.objects.filter(level__in=(RegionLevel.TOWNSHIP, RegionLevel.VILLAGE))
                .filter(case_scope(scope, "path") | Q(path__in=enclosing)).order_by("path")
                .only("code", "name", "path", "level"))


class CaseSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"), max_length=200, required=False, strip=True,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "enterkeyhint": "search"}),
        help_text=_("Words, a case number, a party's name or phone; every word must occur."),
    )
    dispute_type = FilterField(label=_("Dispute type"), choices=DisputeType.choices, required=False)
    status = FilterField(label=_("Status"), choices=Status.choices, required=False)
    outcome = FilterField(label=_("Outcome"), choices=Outcome.choices, required=False)
    township = FilterField(label=_("Township"), required=False)
    village = FilterField(label=_("Village"), required=False)
    year = YearsField(label=_("Year filed"), required=False)
    region = forms.CharField(label=_("Region"), max_length=20, required=False, widget=forms.HiddenInput)
    filed_from = forms.DateField(label=_("Filed from"), required=False, widget=forms.HiddenInput)
    filed_to = forms.DateField(label=_("Filed to"), required=False, widget=forms.HiddenInput)
    page = forms.IntegerField(label=_("Page"), min_value=1, max_value=MAX_PAGE, required=False,
                              widget=forms.HiddenInput)

    def __init__(self, data=None, *, viewer: User) -> None:
        super().__init__(data)
        self.viewer = viewer
        self.region: Region | None = None
        regions = viewer_regions(viewer)
        self.townships = [r for r in regions if r.level == RegionLevel.TOWNSHIP]
        self.villages = [r for r in regions if r.level == RegionLevel.VILLAGE]
        self.fields["township"].choices = [(r.code, r.name) for r in self.townships]
        self.fields["village"].choices = [(r.code, r.name) for r in self.villages]

    def clean_q(self) -> str:
        q = self.cleaned_data["q"]
        try:
            parse_terms(q)
        except SearchError as exc:
            raise ValidationError(exc.message) from exc
        return q

    def clean_region(self) -> str:
        code = self.cleaned_data["region"]
        if code:
            try:
                self.region = visible_region(viewer=self.viewer, code=code)
            except NotFound as exc:
                raise ValidationError(_("No such region in your jurisdiction.")) from exc
        return code

    def clean(self):
        data = super().clean()
        if data.get("filed_from") and data.get("filed_to") and data["filed_from"] > data["filed_to"]:
            self.add_error("filed_to", _("The end date is before the start date."))
        return data

    def range_filters(self) -> list[tuple[str, str]]:
        """The region and filing dates chosen, as the query string holds them (valid ones only)."""
        data = getattr(self, "cleaned_data", {})
        return [(name, data[name].isoformat() if hasattr(data[name], "isoformat") else data[name])
                for name in RANGE_FILTERS if data.get(name)]

    @property
    def page_number(self) -> int:
        return self.cleaned_data.get("page") or 1

    def filters(self) -> dict[str, list[str]]:
        """The chosen filter values by facet, as strings (what the index and the query string hold)."""
        return {name: [str(v) for v in self.cleaned_data.get(name) or ()] for name in FACETS}

    def params(self) -> SearchParams:
        data = self.cleaned_data
        return SearchParams(q=data["q"], filters={k: v for k, v in self.filters().items() if v},
                            region=data.get("region") or None, filed_from=data.get("filed_from"),
                            filed_to=data.get("filed_to"), offset=(self.page_number - 1) * PAGE_SIZE, size=PAGE_SIZE)
