"""The filters of the statistics page (统计分析): a region of the viewer's jurisdiction and a range
of filing dates, read from the query string with this year as the default range.

The names are the API's (`region`, `from`, `to`), so the page, the summary endpoint, the ledger
links and the search page's links all speak of the same thing.
"""
from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework import clock
from casework import permissions as perms
from casework.choices import RegionLevel
from casework.models import Region, User, in_subtrees
from reports import stats

# The levels offered in the region select: down to the villages (a grid is too small to chart).
LEVELS = (RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE)
INDENT = "\u3000"  # an ideographic space a level, so the select reads as the tree it is


def jurisdiction_regions(viewer: User) -> list[Region]:
    """The viewer's root regions and every region under them down to the villages, in tree order."""
    scope = perms.scope_paths(viewer)
    return list(Region.objects.filter(in_subtrees(scope, "path"), level__in=LEVELS).order_by("path")
                .only("code", "name", "path", "level"))


class StatsFilterForm(forms.Form):
    region = forms.CharField(label=_("Region"), max_length=20, required=False, widget=forms.Select)

    def __init__(self, query: QueryDict, *, viewer: User) -> None:
        today = timezone.localdate(clock.now())
        self.regions = jurisdiction_regions(viewer)
        roots = perms.scope_paths(viewer)
        data = {"region": "", "from": dt.date(today.year, 1, 1).isoformat(),
                "to": dt.date(today.year, 12, 31).isoformat()}
        if len(roots) == 1:
            data["region"] = next((r.code for r in self.regions if r.path == roots[0]), "")
        data.update({key: query[key] for key in data if query.get(key)})
        super().__init__(data)
        self.fields["from"] = forms.DateField(label=_("Filed from"), widget=forms.DateInput(attrs={"type": "date"}))
        self.fields["to"] = forms.DateField(label=_("Filed to"), widget=forms.DateInput(attrs={"type": "date"}))
        top = min((len(p.split(".")) for p in roots), default=0)
        choices = [(r.code, INDENT * (len(r.path.split(".")) - top) + r.name) for r in self.regions]
        if len(roots) > 1:
            choices.insert(0, ("", _("All of my jurisdiction")))
        self.fields["region"].widget.choices = choices
        self.fields["region"].widget.attrs.pop("maxlength", None)  # a CharField's, meaningless on a select

    def clean(self):
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end:
            if start > end:
                raise ValidationError({"to": _("The end date is before the start date.")})
            if end - start > stats.MAX_RANGE:
                raise ValidationError({"to": _("The range is longer than ten years.")})
        return data
