from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from casework.choices import DisputeType, RiskLevel, Status
from casework.models import Case, Region
from casework.selectors import overdue_filter
from flows.selectors import assigned_cases

TRUTH = {"true": True, "1": True, "false": False, "0": False}


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(filters.TypedChoiceFilter):
    """true/false/1/0 only: an unrecognized value is a 400, not a silently ignored filter."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", [(k, k) for k in TRUTH])
        kwargs.setdefault("coerce", lambda value: TRUTH[value.lower()] if isinstance(value, str) else value)
        super().__init__(*args, **kwargs)


class CaseFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=Status.choices)
    dispute_type = filters.MultipleChoiceFilter(choices=DisputeType.choices)
    risk_level = filters.MultipleChoiceFilter(choices=RiskLevel.choices)
    region = filters.CharFilter(method="filter_region", help_text=_("Region code; matches its whole subtree."))
    overdue = StrictBooleanFilter(method="filter_overdue")
    assigned_to_me = StrictBooleanFilter(
        method="filter_assigned_to_me",
        help_text=_("Cases whose open stage task is the caller's: they hold it, or the case names them "
                    "among its mediators (the inbox's “mine”)."))

    class Meta:
        model = Case
        fields = ["status", "dispute_type", "risk_level", "region", "overdue", "assigned_to_me"]

    def filter_region(self, queryset, name, value):
        region = Region.objects.filter(code=value).only("path").first()
        if region is None:
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"region": [_("Unknown region code.")]})
        return queryset.under(region.path)

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(overdue_filter()) if value else queryset.exclude(overdue_filter())

    def filter_assigned_to_me(self, queryset, name, value):
        # What the inbox's "mine" view holds (flows.selectors.assigned_to), by case.
        mine = Q(pk__in=assigned_cases(viewer=self.request.user))
        return queryset.filter(mine) if value else queryset.exclude(mine)
