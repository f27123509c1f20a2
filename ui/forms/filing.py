"""The filing form (登记): the fields of POST /api/v1/cases/, with the parties as a formset."""
from __future__ import annotations

import datetime as dt
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from actions import services
from casework import validators
from casework.choices import DisputeType, PartyRole, RiskLevel, Source
from casework.models import Region

BLANK = [("", _("— choose —"))]


def new_idempotency_key() -> str:
    """One per rendered form: a double submit, or a retry after a dropped connection, sends
    the same key and gets the case the first submit filed."""
    return uuid.uuid4().hex


class GridChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, grid: Region) -> str:
        township = grid.parent.parent if grid.parent else None
        return f"{township.name} · {grid.name}" if township else grid.name


class FilingForm(forms.Form):
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    grid = GridChoiceField(queryset=Region.objects.none(), label=_("Grid"), empty_label=None)
    title = forms.CharField(
        label=_("Title"), max_length=100,
        help_text=_("A few words on who and what, e.g. “楼上漏水，邻里赔偿纠纷”."),
    )
    dispute_type = forms.ChoiceField(label=_("Dispute type"), choices=BLANK + DisputeType.choices)
    risk_level = forms.ChoiceField(
        label=_("Risk"), choices=RiskLevel.choices, initial=RiskLevel.NORMAL, widget=forms.RadioSelect,
        help_text=_("High risk (threat of violence, many people, self-harm) goes straight to the township "
                    "and alerts the supervisors."),
    )
    source = forms.ChoiceField(label=_("How it came to us"), choices=Source.choices, initial=Source.GRID_PATROL)
    description = forms.CharField(
        label=_("What happened"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The facts, what each side asks for, what has been tried."),
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    occurred_at = forms.DateTimeField(
        label=_("When it happened"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )
    people_involved = forms.IntegerField(label=_("People involved"), min_value=1, max_value=1_000_000, required=False)
    amount_involved = forms.DecimalField(
        label=_("Amount involved (yuan)"), max_digits=14, decimal_places=2, min_value=0, required=False,
    )
    latitude = forms.DecimalField(max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False,
                                  widget=forms.HiddenInput)
    longitude = forms.DecimalField(max_digits=9, decimal_places=6, min_value=-180, max_value=180, required=False,
                                   widget=forms.HiddenInput)

    def __init__(self, *args, grids, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grids
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", new_idempotency_key())
            first = grids.first()
            if first is not None:
                self.initial.setdefault("grid", first.pk)
        self.single_grid = grids.count() == 1

    def clean_idempotency_key(self) -> str:
        key = self.cleaned_data["idempotency_key"]
        if not key.isprintable():
            raise ValidationError(_("The form is damaged; reload the page."))
        return key

    def clean_occurred_at(self) -> dt.datetime | None:
        value = self.cleaned_data.get("occurred_at")
        if value is not None:
            validators.validate_occurred_at(value)
        return value

    def case_input(self, parties: list[services.PartyInput]) -> services.CaseInput:
        data = dict(self.cleaned_data)
        data.pop("idempotency_key")
        return services.CaseInput(parties=parties, **data)


class PartyForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=BLANK + PartyRole.choices)
    name = forms.CharField(label=_("Name"), max_length=64)
    id_number = forms.CharField(
        label=_("Resident ID number"), max_length=18, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label=_("Phone"), max_length=11, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel", "type": "tel"}),
    )

    def clean_id_number(self) -> str:
        value = validators.normalize_id_number(self.cleaned_data.get("id_number", ""))
        if value:
            validators.validate_id_number(value)
        return value

    def clean_phone(self) -> str:
        value = validators.normalize_digits(self.cleaned_data.get("phone", ""))
        if value:
            validators.validate_mobile(value)
        return value


class BasePartyFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        validators.validate_party_roles(
            f.cleaned_data.get("role") for f in self.forms if f.cleaned_data and not self._should_delete_form(f))

    def parties(self) -> list[services.PartyInput]:
        return [services.PartyInput(**f.cleaned_data) for f in self.forms if f.cleaned_data]


PartyFormSet = forms.formset_factory(
    PartyForm, formset=BasePartyFormSet, extra=0, min_num=2, validate_min=True, max_num=50, validate_max=True,
)
PARTY_PREFIX = "parties"


def party_formset(data=None) -> BasePartyFormSet:
    """Two rows to start with, the applicant's and the respondent's; the page adds more."""
    initial = None if data is not None else [{"role": PartyRole.APPLICANT}, {"role": PartyRole.RESPONDENT}]
    return PartyFormSet(data, initial=initial, prefix=PARTY_PREFIX)
