"""The forms of the mediation records on the case page: sessions (调解笔录), the agreement's contents,
signatures and seal, 终止调解, 司法确认, the deadline extension, follow-up visits (回访), attachments.

Each form's `service_kwargs()` is what its action in actions/ takes besides case_id and actor;
the actions validate again under the row lock, and their field errors come back on these forms.
Records add to a case rather than move it, so like the API without If-Match they carry no
version.
"""
from __future__ import annotations

from typing import ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from actions import services
from actions.records import EXIT_LABELS, EXITS
from casework import permissions as perms
from casework import validators
from casework.choices import Channel, Satisfaction
from casework.errors import Refused
from casework.models import Case, User
from mediation import agreements
from mediation.choices import DECIDED, ConfirmationStatus, VisitManner
from mediation.selectors import current_agreement
from ui.forms.transitions import YES_NO, ObligationFormSet, _text

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _date(label, *, required: bool = False, help_text="") -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DATE, help_text=help_text)


def _moment(label) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])


class RecordForm(forms.Form):
    """A record form on the case page: prefixed by its name, knowing the case and the viewer."""

    name: ClassVar[str]
    title: ClassVar[str]
    submit: ClassVar[str]

    def __init__(self, data=None, files=None, *, case: Case, viewer: User, **kwargs) -> None:
        super().__init__(data, files, prefix=self.name, **kwargs)
        self.case, self.viewer = case, viewer

    def formsets(self) -> list:
        return []

    def is_valid(self) -> bool:
        valid = super().is_valid()
        return all([fs.is_valid() for fs in self.formsets()]) and valid

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)

    def add_service_errors(self, fields: dict[str, list[str]]) -> None:
        for name, errors in fields.items():
            for error in errors:
                self.add_error(name if name in self.fields else None, error)


# --- 调解笔录 ------------------------------------------------------------------------------------


class AttendeeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    role = forms.CharField(label=_("Attends as"), max_length=32, required=False,
                           help_text=_("Applicant, respondent, relative, village cadre, witness…"))


AttendeeFormSet = forms.formset_factory(AttendeeForm, extra=0, max_num=50, validate_max=True)


class SessionForm(RecordForm):
    name, title, submit = "session", _("Record a mediation session"), _("Record the session")
    held_at = _moment(_("Held at"))
    place = forms.CharField(label=_("Place of mediation"), max_length=200)
    statements = _text(_("What was said"), rows=6, max_length=20000,
                       help_text=_("The course of the mediation and each party's statements."))
    result = _text(_("Result and next step"), max_length=5000)

    def __init__(self, data=None, files=None, **kwargs) -> None:
        super().__init__(data, files, **kwargs)
        if data is None:
            self.initial["held_at"] = None
            initial = [{"name": p.name, "role": p.get_role_display()} for p in self.case.parties.all()]
        else:
            initial = None
        self.attendees = AttendeeFormSet(data, prefix=f"{self.name}-attendees", initial=initial)

    def formsets(self) -> list:
        return [self.attendees]

    def service_kwargs(self) -> dict:
        data = super().service_kwargs()
        data["attendees"] = [f.cleaned_data for f in self.attendees.forms if f.cleaned_data]
        return data


# --- the agreement -------------------------------------------------------------------------------


class AgreementCompleteForm(RecordForm):
    """A written agreement recorded without what art. 35 asks: completed before anyone signs."""

    name, title, submit = "agreement_complete", _("Complete the agreement"), _("Save the agreement")
    facts = _text(_("Main facts of the dispute"), max_length=5000)
    points_in_dispute = _text(_("Points in dispute"), required=False, max_length=5000)
    responsibilities = _text(_("Each side's responsibility"), max_length=5000)

    def __init__(self, data=None, files=None, *, agreement, **kwargs) -> None:
        super().__init__(data, files, **kwargs)
        if data is None:
            self.initial.update(facts=agreement.facts, points_in_dispute=agreement.points_in_dispute,
                                responsibilities=agreement.responsibilities)
        initial = None if data is not None else [
            {"description": o.description, "due_date": o.due_date, "party": o.party_id, "manner": o.manner,
             "place": o.place} for o in agreement.obligations.all()] or [{}]
        self.obligations = ObligationFormSet(data, prefix=f"{self.name}-obligations", initial=initial,
                                             form_kwargs={"parties": list(self.case.parties.all())})

    def formsets(self) -> list:
        return [self.obligations]

    def service_kwargs(self) -> dict:
        data = super().service_kwargs()
        data["obligations"] = [{k: v for k, v in f.cleaned_data.items() if v not in (None, "") or k == "description"}
                               for f in self.obligations.forms if f.cleaned_data]
        return data


class SignForm(RecordForm):
    """Each party's signature with its date, and the committee's seal with its date."""

    name, title, submit = "agreement_sign", _("Record signatures and the seal"), _("Record")
    sealed = forms.BooleanField(label=_("The committee has sealed it"), required=False)
    sealed_on = _date(_("Sealed on"))

    def __init__(self, data=None, files=None, *, agreement, **kwargs) -> None:
        super().__init__(data, files, **kwargs)
        self.signatories = list(agreement.signatories.select_related("party").order_by("party_id"))
        self.party_fields = []
        for s in self.signatories:
            if s.signed:
                continue
            label = f"{s.party.name}（{s.party.get_role_display()}）"
            self.fields[f"signed_{s.party_id}"] = forms.BooleanField(
                label=_("%(party)s has signed") % {"party": label}, required=False)
            self.fields[f"signed_on_{s.party_id}"] = _date(_("Signed on"))
            self.party_fields.append((self[f"signed_{s.party_id}"], self[f"signed_on_{s.party_id}"]))
        if agreement.sealed:
            del self.fields["sealed"], self.fields["sealed_on"]
        self.fields = {**{k: v for k, v in self.fields.items() if k.startswith("signed")},
                       **{k: v for k, v in self.fields.items() if not k.startswith("signed")}}

    def clean(self):
        data = super().clean()
        if not data.get("sealed") and not any(data.get(f"signed_{s.party_id}") for s in self.signatories):
            raise ValidationError(_("Record at least one signature or the committee's seal."))
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        signatures = [{"party": s.party_id, "signed": True, "signed_on": data.get(f"signed_on_{s.party_id}")}
                      for s in self.signatories if data.get(f"signed_{s.party_id}")]
        return {"signatures": signatures, "sealed": bool(data.get("sealed")), "sealed_on": data.get("sealed_on")}

    def add_service_errors(self, fields: dict[str, list[str]]) -> None:
        fields = dict(fields)
        if "signatures" in fields:  # one message for the party rows as a whole
            for error in fields.pop("signatures"):
                self.add_error(None, error)
        super().add_service_errors(fields)


# --- 终止调解 -------------------------------------------------------------------------------------


class TerminationForm(RecordForm):
    name, title, submit = "termination", _("Terminate the mediation"), _("Terminate the mediation")
    reason = _text(_("Why mediation failed"))
    advised_channels = forms.MultipleChoiceField(
        label=_("Routes the parties were told of"), choices=Channel.choices, required=False,
        widget=forms.CheckboxSelectMultiple)
    advice = _text(_("Other advice given"), required=False)
    then = forms.ChoiceField(label=_("Then"), widget=forms.RadioSelect)
    channel = forms.ChoiceField(label=_("Channel referred to"), required=False,
                                choices=[("", _("— choose —")), *Channel.choices])
    receiving_body = forms.CharField(label=_("Receiving body"), max_length=100, required=False)

    def __init__(self, data=None, files=None, **kwargs) -> None:
        super().__init__(data, files, **kwargs)
        exits = EXITS.get(self.case.status, ())
        self.fields["then"].choices = [(e, EXIT_LABELS[e]) for e in exits]
        if "refer" not in exits:
            del self.fields["channel"], self.fields["receiving_body"]


# --- 司法确认 -------------------------------------------------------------------------------------


class ConfirmationRequestForm(RecordForm):
    name, title, submit = "confirmation_request", _("File the judicial confirmation request"), _("File the request")
    court = forms.CharField(label=_("Court"), max_length=100, help_text=_("e.g. 诸暨市人民法院枫桥人民法庭"))
    requested_on = _date(_("Requested on"), help_text=_("Leave empty for today."))


class ConfirmationDecisionForm(RecordForm):
    name, title, submit = "confirmation_decision", _("Record the court's ruling"), _("Record the ruling")
    request_id = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    result = forms.ChoiceField(label=_("Ruling"), widget=forms.RadioSelect,
                               choices=[(c, ConfirmationStatus(c).label) for c in DECIDED])
    decided_on = _date(_("Ruled on"), help_text=_("Leave empty for today."))
    decision = _text(_("Ruling number, and the reasons if rejected"), required=False)


# --- the deadline --------------------------------------------------------------------------------


class ExtendForm(RecordForm):
    name, title, submit = "extend", _("Extend the deadline"), _("Extend the deadline")
    reason = _text(_("Why more time is needed"))
    parties_consent = forms.BooleanField(label=_("Both parties agree to the extension"), required=False)


# --- 回访 -----------------------------------------------------------------------------------------


class FollowUpForm(RecordForm):
    name, title, submit = "follow_up", _("Record a follow-up visit"), _("Record the visit")
    visited_at = _moment(_("Visited at"))
    manner = forms.ChoiceField(label=_("Manner"), choices=VisitManner.choices, widget=forms.RadioSelect)
    fulfilled = forms.TypedChoiceField(label=_("Is the agreement performed?"), choices=YES_NO,
                                       coerce=lambda v: v == "yes", widget=forms.RadioSelect)
    satisfaction = forms.ChoiceField(label=_("Satisfaction"), choices=Satisfaction.choices, widget=forms.RadioSelect)
    notes = _text(_("Notes"), required=False, max_length=5000)


# --- attachments ---------------------------------------------------------------------------------


class AttachmentForm(RecordForm):
    name, title, submit = "attachment", _("Add a photo or document"), _("Upload")
    file = forms.FileField(label=_("Photo or PDF"), max_length=255, help_text=_(
        "On a tablet this opens the camera. Photos are made smaller on the tablet before they are sent."))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs.update({"accept": "image/*,application/pdf", "capture": "environment"})

    def clean_file(self):
        upload = self.cleaned_data["file"]
        upload.sniffed_type, upload.sniffed_ext = validators.validate_attachment(upload)
        return upload

    def service_kwargs(self) -> dict:
        upload = self.cleaned_data["file"]
        return {"upload": upload, "content_type": upload.sniffed_type, "extension": upload.sniffed_ext}



# --- which forms the viewer gets -----------------------------------------------------------------


def _allowed(check, *args) -> bool:
    """The action's own check, without the input: refused (403/409) means the form is not shown."""
    try:
        check(*args)
    except Refused:
        return False
    return True


def record_forms(case: Case, viewer: User, bound: RecordForm | None = None) -> dict[str, RecordForm]:
    """The record forms this viewer may send on this case now, by name; `bound` replaces its
    blank form (the viewer's input shown again with its errors)."""
    def made(cls, **extra) -> RecordForm:
        if bound is not None and bound.name == cls.name:
            return bound
        return cls(case=case, viewer=viewer, **extra)

    found: dict[str, RecordForm] = {}
    if _allowed(services.check_mediation_record, case, viewer, "session"):
        found["session"] = made(SessionForm)
        found["termination"] = made(TerminationForm)
    agreement = current_agreement(case)
    if agreement is not None and _allowed(services.check_agreement_act, case, viewer):
        signable = not agreement.is_oral and agreement.effective_on is None
        if signable and not agreement.sealed and not agreement.signatories.filter(signed=True).exists():
            found["agreement_complete"] = made(AgreementCompleteForm, agreement=agreement)
        if signable and not agreements.draft_problem(agreement):
            found["agreement_sign"] = made(SignForm, agreement=agreement)
        busy = agreement.confirmation_requests.filter(status__in=[ConfirmationStatus.PENDING,
                                                                  ConfirmationStatus.CONFIRMED]).exists()
        if agreement.effective_on is not None and not busy:
            found["confirmation_request"] = made(ConfirmationRequestForm)
        pending = agreement.confirmation_requests.filter(status=ConfirmationStatus.PENDING).first()
        if pending is not None:
            found["confirmation_decision"] = made(ConfirmationDecisionForm, initial={"request_id": pending.pk})
            found["confirmation_decision"].pending = pending
    if case.is_open and _allowed(services.check_extension, case, viewer):
        found["extend"] = made(ExtendForm)
    if _allowed(services.check_follow_up, case, viewer):
        found["follow_up"] = made(FollowUpForm)
    if perms.can_see(viewer, case) and perms.may_attach(case, viewer):
        found["attachment"] = made(AttachmentForm)
    return found


# The form of each record, by the name in its URL.
FORMS: dict[str, type[RecordForm]] = {cls.name: cls for cls in (
    SessionForm, AgreementCompleteForm, SignForm, TerminationForm, ConfirmationRequestForm, ConfirmationDecisionForm,
    ExtendForm, FollowUpForm, AttachmentForm)}
