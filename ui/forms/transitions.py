"""One form per case transition, with the fields the ladder declares for it (casework.ladder).

A transition whose inputs are plain (text, a choice, yes/no, a date) gets a form built from its
declaration; the few that need more (a roster to choose from, formsets, suggestions) have a
form of their own below, checked against the same declaration.

Each form carries the case version its page showed (`seen_version`, hidden): the service
refuses with a conflict when someone else changed the case in between. `service_kwargs()`
is what the matching casework service takes besides case_id, actor and seen_version.
"""
from __future__ import annotations

import datetime as dt
import inspect
from typing import ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from actions import services
from casework import ladder, validators
from casework.choices import Channel
from casework.models import Case, User
from casework.selectors import case_list, possible_duplicates, village_mediators
from mediation import choices as mediation_choices
from mediation.models import Obligation, Organization
from mediation.selectors import lead_bodies
from ui import selectors as ui_selectors

# Actions that end a case or undo work: drawn in red and asked to confirm.
DANGER = frozenset(name for name, spec in ladder.TRANSITIONS.items() if spec.dangerous)
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _text(label, *, required: bool = True, rows: int = 3, max_length: int = 2000, help_text="") -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=max_length, help_text=help_text,
                           widget=forms.Textarea(attrs={"rows": rows}))


def _yes_no(label) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=label, choices=YES_NO, coerce=lambda v: v == "yes", widget=forms.RadioSelect)


class TransitionForm(forms.Form):
    name: ClassVar[str]
    note_label = _("Note (optional)")

    seen_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = _text(_("Note"), required=False, rows=2)

    def __init__(self, data=None, *, case: Case, viewer: User, auto_id: str | None = None) -> None:
        super().__init__(data, prefix=self.name, auto_id=auto_id or "id_%s", initial={"seen_version": case.version})
        self.case, self.viewer = case, viewer
        self.fields["note"] = self.fields.pop("note")  # last
        if not self.fields["note"].required:
            self.fields["note"].label = self.note_label

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("seen_version", None)
        return data

    def add_service_errors(self, fields: dict[str, list[str]]) -> None:
        """Field errors a service raised (InvalidInput) shown on the form's own fields."""
        for name, errors in fields.items():
            for error in errors:
                self.add_error(name if name in self.fields else None, error)


class AcceptForm(TransitionForm):
    name = "accept"
    mediators = forms.ModelMultipleChoiceField(
        label=_("Mediators"), queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Who will mediate. Leave empty to take it yourself."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        roster = village_mediators(self.case)
        field = self.fields["mediators"]
        field.queryset = User.objects.filter(pk__in=[u.pk for u in roster]).order_by("username")
        field.label_from_instance = lambda u: u.label
        if any(u.pk == self.viewer.pk for u in roster):
            field.initial = [self.viewer.pk]

    def service_kwargs(self) -> dict:
        data = super().service_kwargs()
        data["mediators"] = list(data["mediators"])
        return data


class DeclineForm(TransitionForm):
    name = "decline"
    OTHER = "other"
    reason = _text(_("Why it is not accepted"))
    advised_channel = forms.ChoiceField(
        label=_("Channel the parties were told to use"), choices=Channel.choices + [(OTHER, _("Other (write it below)"))],
    )
    advised_channel_other = forms.CharField(label=_("Other channel"), max_length=100, required=False)

    def clean(self):
        data = super().clean()
        if data.get("advised_channel") == self.OTHER:
            other = (data.get("advised_channel_other") or "").strip()
            if not other:
                self.add_error("advised_channel_other", _("Write the channel the parties were told to use."))
            data["advised_channel"] = other
        return data

    def service_kwargs(self) -> dict:
        data = super().service_kwargs()
        data.pop("advised_channel_other", None)
        return data


class TriageForm(TransitionForm):
    name = "triage_to_mediation"
    lead_body = forms.ModelChoiceField(label=_("Lead body"), queryset=Organization.objects.none(), empty_label=None)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bodies = lead_bodies(self.case).select_related("region")
        self.fields["lead_body"].queryset = bodies
        self.fields["lead_body"].label_from_instance = lambda o: f"{o.name}（{o.get_kind_display()}）"


class ReferForm(TransitionForm):
    name = "refer"
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    receiving_body = forms.CharField(
        label=_("Receiving body"), max_length=100,
        help_text=_("e.g. 诸暨市劳动人事争议仲裁委员会, 诸暨市人民法院诉调对接中心"),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.suggestions = [o.name for o in lead_bodies(self.case).exclude(kind="governance_center")]
        self.datalist_id = self.auto_id % f"{self.prefix}-receiving_body-list"
        self.fields["receiving_body"].widget.attrs["list"] = self.datalist_id


def _accepts(service, name: str) -> bool:
    return name in inspect.signature(service).parameters


def _has_field(model, name: str) -> bool:
    return any(f.name == name for f in model._meta.get_fields())


# Art. 35 of 《人民调解工作若干规定》: the mediation app records more of the agreement than API.md's
# terms and obligations. Offered when the service takes it (the mediation records are being extended).
AgreementKind = getattr(mediation_choices, "AgreementForm", None)  # written / oral
AGREEMENT_EXTRAS = [name for name in ("form", "facts", "points_in_dispute", "responsibilities")
                    if _accepts(services.case_record_agreement, name) and (name != "form" or AgreementKind)]
OBLIGATION_EXTRAS = [name for name in ("party", "manner", "place") if _has_field(Obligation, name)]


class ObligationForm(forms.Form):
    description = forms.CharField(label=_("Obligation"), max_length=500,
                                  help_text=_("Who does what, how and where."))
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    party = forms.TypedChoiceField(label=_("Who performs it"), required=False, coerce=int, empty_value=None)
    manner = forms.CharField(label=_("How"), max_length=200, required=False)
    place = forms.CharField(label=_("Where"), max_length=200, required=False)

    def __init__(self, *args, parties=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("party", "manner", "place"):
            if name not in OBLIGATION_EXTRAS:
                del self.fields[name]
        if "party" in self.fields:
            self.fields["party"].choices = [("", _("— choose —"))] + [
                (p.pk, f"{p.name}（{p.get_role_display()}）") for p in parties]

    def clean_due_date(self) -> dt.date:
        value = self.cleaned_data["due_date"]
        validators.validate_obligation_due_date(value)
        return value


ObligationFormSet = forms.formset_factory(ObligationForm, extra=0, min_num=1, validate_min=True, max_num=50,
                                          validate_max=True)


class AgreementForm(TransitionForm):
    name = "record_agreement"
    form = forms.ChoiceField(label=_("Form of the agreement"), widget=forms.RadioSelect,
                             choices=AgreementKind.choices if AgreementKind else [("written", "written")],
                             initial="written")
    facts = _text(_("Main facts of the dispute"), required=False, max_length=5000)
    points_in_dispute = _text(_("Points in dispute"), required=False, max_length=5000)
    responsibilities = _text(_("Each side's responsibility"), required=False, max_length=5000)
    terms = _text(_("Agreement terms"), rows=5, max_length=5000, help_text=_("What the parties agreed."))
    signed_and_sealed = forms.BooleanField(
        label=_("Every party has signed it and the committee has sealed it today"), required=False,
        help_text=_("A written agreement takes effect only then (People's Mediation Law art. 29). It needs the main "
                    "facts, each side's responsibility and who performs each obligation."))

    def __init__(self, data=None, **kwargs) -> None:
        super().__init__(data, **kwargs)
        for name in ("form", "facts", "points_in_dispute", "responsibilities"):
            if name not in AGREEMENT_EXTRAS:
                del self.fields[name]
        self.fields["note"] = self.fields.pop("note")
        initial = None if data is not None else [{}]
        self.obligations = ObligationFormSet(data, prefix=f"{self.name}-obligations", initial=initial,
                                             auto_id=self.auto_id,
                                             form_kwargs={"parties": list(self.case.parties.all())})

    def is_valid(self) -> bool:
        valid = super().is_valid()
        return self.obligations.is_valid() and valid

    def service_kwargs(self) -> dict:
        data = super().service_kwargs()
        data["obligations"] = [{k: v for k, v in f.cleaned_data.items() if v not in (None, "") or k == "description"}
                               for f in self.obligations.forms if f.cleaned_data]
        if data.pop("signed_and_sealed", False):
            data["signatures"] = [{"party": p.pk} for p in self.case.parties.all()]
            data["sealed"] = True
        return data


class MergeForm(TransitionForm):
    name = "merge"
    into = forms.CharField(label=_("Number of the case that carries on"), max_length=32,
                           help_text=_("An open case of the same township, e.g. 330681-20261122-0007."))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        duplicates = possible_duplicates(viewer=self.viewer, case=self.case)
        others = ui_selectors.merge_candidates(self.viewer, self.case)
        seen, self.merge_suggestions = set(), []
        for c in [*duplicates, *others]:
            if c.pk not in seen:
                seen.add(c.pk)
                self.merge_suggestions.append(c)
        self.datalist_id = self.auto_id % f"{self.prefix}-into-list"
        self.fields["into"].widget.attrs.update({"list": self.datalist_id, "autocomplete": "off"})

    def clean_into(self) -> int:
        number = self.cleaned_data["into"].strip()
        target = case_list(viewer=self.viewer).filter(number=number).values_list("pk", flat=True).first()
        if target is None:
            raise ValidationError(_("No case with this number in your jurisdiction."))
        return target

    def service_kwargs(self) -> dict:
        data = super().service_kwargs()
        return data


def _field(spec: ladder.Input) -> forms.Field:
    """The form field of a plain input of the ladder."""
    if spec.kind == ladder.InputKind.TEXT:
        return _text(spec.label, required=spec.required, max_length=spec.max_length, help_text=spec.help_text)
    if spec.kind == ladder.InputKind.CHOICE:
        return forms.ChoiceField(label=spec.label, choices=spec.choices.choices, required=spec.required,
                                 widget=forms.RadioSelect, help_text=spec.help_text)
    if spec.kind == ladder.InputKind.BOOL:
        return _yes_no(spec.label)
    if spec.kind == ladder.InputKind.DATE:
        return forms.DateField(label=spec.label, required=spec.required, help_text=spec.help_text,
                               widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    raise TypeError(f"{spec.name}: a {spec.kind} input needs a form of its own")


def declared_form(spec: ladder.TransitionSpec) -> type[TransitionForm]:
    """The form of a transition with plain inputs, built from its declaration."""
    fields = {i.name: _field(i) for i in spec.inputs if i.name != "note"}
    note = next((i for i in spec.inputs if i.name == "note"), None)
    if note is not None:  # a required note, with the transition's own words for it
        fields["note"] = _text(note.label, max_length=note.max_length)
        fields["note_label"] = note.label
    return type(f"{spec.name.title().replace('_', '')}Form", (TransitionForm,), {"name": spec.name, **fields})


# The transitions whose inputs need more than their declaration gives.
TAILORED: dict[str, type[TransitionForm]] = {
    form.name: form for form in (AcceptForm, DeclineForm, TriageForm, ReferForm, AgreementForm, MergeForm)
}
FORMS: dict[str, type[TransitionForm]] = {
    name: TAILORED.get(name) or declared_form(spec) for name, spec in ladder.TRANSITIONS.items()
}


def transition_form(name: str, *, case: Case, viewer: User, data=None, auto_id: str | None = None) -> TransitionForm:
    return FORMS[name](data, case=case, viewer=viewer, auto_id=auto_id)


class PauseForm(forms.Form):
    reason = forms.CharField(label=_("Why the clock stops (e.g. a party cannot be reached)"), max_length=200)


class ResumeForm(forms.Form):
    note = forms.CharField(label=_("Note (optional)"), max_length=2000, required=False)
