from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from casework import clock
from casework.api.serializers import RegionSerializer
from reports import stats


class AsOfField(serializers.DateTimeField):
    """A moment (ISO 8601), or a date: the end of that day, local time."""

    def to_internal_value(self, value):
        if isinstance(value, str) and len(value) == 10:
            day = serializers.DateField().to_internal_value(value)
            return dt.datetime.combine(day, dt.time.max, tzinfo=stats.local_zone())
        return super().to_internal_value(value)


class SummaryInput(serializers.Serializer):
    region = serializers.CharField(required=False, max_length=20,
                                   help_text=_("Region code; default the caller's whole jurisdiction."))
    from_ = serializers.DateField(required=False, help_text=_("Filed on or after this date; default 1 January."))
    to = serializers.DateField(required=False, help_text=_("Filed on or before this date; default 31 December."))
    as_of = AsOfField(required=False, help_text=_("The audit trail as it stood at this moment; default now."))

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields

    def validate(self, attrs):
        today = timezone.localdate(clock.now())
        attrs["from"] = attrs.get("from") or dt.date(today.year, 1, 1)
        attrs["to"] = attrs.get("to") or dt.date(today.year, 12, 31)
        attrs["as_of"] = attrs.get("as_of") or clock.now()
        if attrs["from"] > attrs["to"]:
            raise serializers.ValidationError({"to": [_("The end date is before the start date.")]})
        if attrs["to"] - attrs["from"] > stats.MAX_RANGE:
            raise serializers.ValidationError({"to": [_("The range is longer than ten years.")]})
        return attrs


class LedgerInput(SummaryInput):
    """The ledger's question: the summary's region and range (same defaults and limits), the
    ledger and the file format. No `as_of`: a ledger is the record as it is now."""

    as_of = None
    from_ = serializers.DateField(required=False, help_text=_(
        "Cases filed (referrals sent) on or after this date; default 1 January."))
    to = serializers.DateField(required=False, help_text=_(
        "Cases filed (referrals sent) on or before this date; default 31 December."))
    kind = serializers.ChoiceField(
        choices=[("cases", _("Mediation case ledger")), ("referrals", _("Referral ledger"))], default="cases",
        error_messages={"invalid_choice": _("Choose the ledger: cases or referrals.")},
        help_text=_("cases (default): the mediation case ledger; referrals: the referral ledger."))
    format = serializers.ChoiceField(
        choices=[("xlsx", "xlsx"), ("csv", "csv")], default="xlsx",
        error_messages={"invalid_choice": _("The ledger is exported as xlsx or csv.")},
        help_text=_("The file format: xlsx (default) or csv (UTF-8 with a byte order mark)."))

    def validate(self, attrs):
        attrs = super().validate(attrs)
        attrs.pop("as_of", None)
        return attrs


class RungShares(serializers.Serializer):
    grid = serializers.FloatField(allow_null=True)
    village = serializers.FloatField(allow_null=True)
    township = serializers.FloatField(allow_null=True)
    channel = serializers.FloatField(allow_null=True)


class RungCounts(serializers.Serializer):
    grid = serializers.IntegerField()
    village = serializers.IntegerField()
    township = serializers.IntegerField()
    channel = serializers.IntegerField()


class MonthRow(serializers.Serializer):
    month = serializers.CharField()
    filed = serializers.IntegerField()
    concluded = serializers.IntegerField()
    resolved = serializers.IntegerField()


class FiguresSerializer(serializers.Serializer):
    filed = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField())
    by_outcome = serializers.DictField(child=serializers.IntegerField())
    resolved_share_by_rung = RungShares()
    reached_by_rung = RungCounts()
    resolution_rate = serializers.FloatField(allow_null=True)
    mediation_success_rate = serializers.FloatField(allow_null=True)
    on_time_rate = serializers.FloatField(allow_null=True)
    mean_days_to_resolution = serializers.FloatField(allow_null=True)
    satisfaction_rate = serializers.FloatField(allow_null=True)
    settled_in_village_share = serializers.FloatField(allow_null=True)
    fulfilment_rate = serializers.FloatField(allow_null=True)
    by_dispute_type = serializers.DictField(child=serializers.IntegerField())
    by_month = MonthRow(many=True)


class RegionFigures(FiguresSerializer):
    region = RegionSerializer()


class SummarySerializer(FiguresSerializer):
    region = RegionSerializer(allow_null=True)
    from_ = serializers.DateField()
    to = serializers.DateField()
    as_of = serializers.DateTimeField()
    by_region = RegionFigures(many=True)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class MonthField(serializers.CharField):
    """A month, YYYY-MM."""

    def to_internal_value(self, data):
        from reports.monthly import Month

        text = super().to_internal_value(data)
        try:
            return Month.parse(text).label
        except ValueError:
            raise serializers.ValidationError(_("Enter a month as YYYY-MM."))


class MonthlyInput(serializers.Serializer):
    region = serializers.CharField(required=False, max_length=20,
                                   help_text=_("Region code; default the root of the caller's jurisdiction."))
    month = MonthField(required=False, max_length=7, help_text=_("YYYY-MM; default the month just ended."))

    def validate(self, attrs):
        from reports.monthly import month_just_ended

        attrs["month"] = attrs.get("month") or month_just_ended().label
        return attrs


class MonthlyListInput(serializers.Serializer):
    region = serializers.CharField(required=False, max_length=20,
                                   help_text=_("Region code; default the caller's whole jurisdiction."))
    month = MonthField(required=False, max_length=7, help_text=_("YYYY-MM; default every month."))


class MonthlyReportSerializer(serializers.Serializer):
    region = RegionSerializer()
    month = serializers.CharField()
    zero_report = serializers.BooleanField()
    generated_at = serializers.DateTimeField()
    as_of = serializers.DateTimeField()
    digest = serializers.CharField()
    figures = serializers.JSONField()


class MonthlyReportRow(serializers.Serializer):
    id = serializers.IntegerField()
    region = RegionSerializer()
    month = serializers.CharField()
    zero_report = serializers.BooleanField()
    generated_at = serializers.DateTimeField()
    digest = serializers.CharField()
