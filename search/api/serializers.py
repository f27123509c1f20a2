"""Input and output of the search endpoints (API.md: /search/cases/, /cases/{id}/similar/)."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from casework import permissions as perms
from casework import validators
from casework.choices import DisputeType, Outcome, RegionLevel, RiskLevel, Role, Status
from casework.models import Region
from search.selectors import SearchParams

MAX_PAGE_SIZE = 100


class StrictBooleanField(serializers.ChoiceField):
    """true/false/1/0 only, as the list's filters take them; absent is None, not False (DRF's
    BooleanField reads a missing query parameter as False)."""

    TRUTH = {"true": True, "1": True, "false": False, "0": False}

    def __init__(self, **kwargs):
        super().__init__(choices=list(self.TRUTH), **kwargs)

    def to_internal_value(self, data):
        return self.TRUTH[super().to_internal_value(str(data).lower())]


class SearchInput(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=200, default="",
                              help_text=_("Words to find, separated by spaces; every one must occur."))
    status = serializers.MultipleChoiceField(choices=Status.choices, required=False)
    dispute_type = serializers.MultipleChoiceField(choices=DisputeType.choices, required=False)
    risk_level = serializers.MultipleChoiceField(choices=RiskLevel.choices, required=False)
    outcome = serializers.MultipleChoiceField(choices=Outcome.choices, required=False)
    township = serializers.ListField(child=serializers.CharField(max_length=20), required=False, max_length=50)
    village = serializers.ListField(child=serializers.CharField(max_length=20), required=False, max_length=50)
    year = serializers.ListField(child=serializers.IntegerField(min_value=1990, max_value=2100), required=False,
                                 max_length=20)
    region = serializers.CharField(required=False, max_length=20, help_text=_("Region code; matches its whole subtree."))
    overdue = StrictBooleanField(required=False)
    assigned_to_me = StrictBooleanField(required=False)
    filed_from = serializers.DateField(required=False, help_text=_("Filed on or after this date."))
    filed_to = serializers.DateField(required=False, help_text=_("Filed on or before this date."))
    page = serializers.IntegerField(required=False, min_value=1, default=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=20)

    def validate(self, attrs):
        if attrs.get("filed_from") and attrs.get("filed_to") and attrs["filed_from"] > attrs["filed_to"]:
            raise serializers.ValidationError({"filed_to": [_("The end date is before the start date.")]})
        return attrs

    def params(self) -> SearchParams:
        data = self.validated_data
        filters = {name: sorted(str(v) for v in data.get(name, ()))
                   for name in ("status", "dispute_type", "risk_level", "outcome", "township", "village", "year")}
        return SearchParams(
            q=data["q"], filters=filters, region=data.get("region"), overdue=data.get("overdue"),
            assigned_to_me=data.get("assigned_to_me"), filed_from=data.get("filed_from"),
            filed_to=data.get("filed_to"), offset=(data["page"] - 1) * data["page_size"], size=data["page_size"],
        )


class HitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    dispute_type = serializers.CharField()
    outcome = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    highlight = serializers.DictField(child=serializers.CharField(), help_text=_(
        "Per field (title, description): an HTML-escaped fragment with the matched words in <em>."))


class SearchResultSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = HitSerializer(many=True)
    facets = serializers.DictField(child=serializers.DictField(child=serializers.IntegerField()), help_text=_(
        "Counts of the matching cases by dispute_type, status, outcome, township, village (codes) and year."))


class SimilarInput(serializers.Serializer):
    size = serializers.IntegerField(required=False, min_value=1, max_value=100, default=10)


class SimilarCaseSerializer(HitSerializer):
    rung = serializers.CharField(allow_blank=True, help_text=_("Where it was settled: grid, village, township, channel."))
    closed_at = serializers.DateTimeField(allow_null=True)
    agreement = serializers.CharField(allow_blank=True, help_text=_("The agreed terms, shortened."))


class SimilarResultSerializer(serializers.Serializer):
    results = SimilarCaseSerializer(many=True)


class DraftPartySerializer(serializers.Serializer):
    """A party as typed so far: an incomplete or invalid number is ignored, not refused."""

    name = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    id_number = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        id_number = validators.normalize_id_number(attrs["id_number"])
        phone = "".join(validators.normalize_digits(attrs["phone"]).replace("-", "").split())  # 139 0000 1111
        attrs["id_number"] = id_number if _valid(validators.validate_id_number, id_number) else ""
        attrs["phone"] = phone if _valid(validators.validate_mobile, phone) else ""
        return attrs


def _valid(validator, value: str) -> bool:
    from django.core.exceptions import ValidationError

    if not value:
        return False
    try:
        validator(value)
    except ValidationError:
        return False
    return True


class DraftInput(serializers.Serializer):
    grid = serializers.CharField(max_length=20, required=False, help_text=_("Grid region code."))
    title = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    parties = DraftPartySerializer(many=True, max_length=50)

    def validate(self, attrs):
        user = self.context["request"].user
        if "grid" in attrs:
            grid = Region.objects.filter(code=attrs["grid"].strip(), level=RegionLevel.GRID).first()
            if grid is None or not any(perms.covers(p, grid.path) for p in perms.scope_paths(user)):
                raise serializers.ValidationError({"grid": [_("Unknown region code.")]})
        else:
            grids = [ra.region for ra in perms.roles_of(user)
                     if ra.role == Role.GRID_WORKER and ra.region.level == RegionLevel.GRID]
            if len(grids) != 1:
                raise serializers.ValidationError({"grid": [_("This field is required.")]})
            grid = grids[0]
        attrs["grid"] = grid
        return attrs


class DuplicateSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="case.pk")
    number = serializers.CharField(source="case.number")
    title = serializers.CharField(source="case.title")
    status = serializers.CharField(source="case.status")
    created_at = serializers.DateTimeField(source="case.created_at")
    reason = serializers.ChoiceField(choices=[("same_person", _("Same person (ID number or phone)")),
                                              ("same_name_similar", _("Same name, similar description"))])


class DuplicateResultSerializer(serializers.Serializer):
    results = DuplicateSerializer(many=True)
