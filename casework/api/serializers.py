"""Request validation and response shapes. No business logic: that lives in services."""
from __future__ import annotations

import copy
import datetime
from collections.abc import Callable

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from casework import clock, ladder, reference, validators
from casework import permissions as perms
from casework.choices import (
    DeadlineState,
    DisputeType,
    PartyRole,
    RegionLevel,
    RiskLevel,
    Role,
    Satisfaction,
    Source,
)
from casework.ladder import allowed_transitions
from casework.models import (
    Attachment,
    Case,
    CaseDeadline,
    CaseEvent,
    Party,
    PartyCode,
    Region,
    User,
)
from casework.selectors import possible_duplicates
from mediation.models import COMMENT_MAX_LENGTH, Organization


class FieldsBuiltOnce:
    """A serializer whose fields are built once per class, then copied for each instance.

    DRF builds a ModelSerializer's fields anew for every instance (model introspection, field
    kwargs, validators), and copies a Serializer's declared fields with `Field.__deepcopy__`, which
    runs each field's constructor again: for the filing, with its party lists and clocks, that was
    a sixth of the request. A field is a shallow copy of the class's template instead: its own
    attribute dictionary, bound to its own serializer by `bind`; what it shares with the template
    (validators, choices, messages) is never changed once the field is built. A nested list gets its
    own copy of its child, bound to it; list, dict and many-related fields, which bind a field of
    their own when built, are deep-copied as DRF does. Only for serializers whose fields do not
    depend on the instance or the context.
    """

    def get_fields(self):
        cls = type(self)
        template = cls.__dict__.get("_fields_template")
        if template is None:
            template = super().get_fields()
            cls._fields_template = template
        return {name: _copy_field(field) for name, field in template.items()}


def _copy_field(field):
    """A copy of a template's field, unbound, sharing nothing that binding or use changes."""
    if isinstance(field, serializers.ListSerializer):  # a nested list: its child is its own copy, bound to it
        copied = _shallow(field)
        copied.child = _copy_field(field.child)
        copied.child.parent = copied  # bound as the template's child is (no name, no source), to the copy
        return copied
    if hasattr(field, "child") or hasattr(field, "child_relation"):  # list, dict and many-related fields
        return copy.deepcopy(field)
    return _shallow(field)  # a plain field, or a nested serializer (its fields are built when first read)


def _shallow(field):
    """What copy.copy makes of a field (its attributes in a dictionary of its own), without the
    generic reduce protocol's cost."""
    copied = object.__new__(type(field))
    copied.__dict__.update(field.__dict__)
    return copied


def _django_validator(func):
    def run(value):
        try:
            func(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages)

    return run


class RegionSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "level", "path"]


class RoleSerializer(serializers.Serializer):
    role = serializers.CharField()
    region = RegionSerializer()


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField(source="label")
    roles = serializers.SerializerMethodField()

    def get_roles(self, user) -> list[dict]:
        return RoleSerializer(perms.roles_of(user), many=True).data


# --- filing ---

class PartyInputSerializer(FieldsBuiltOnce, serializers.Serializer):
    role = serializers.ChoiceField(choices=PartyRole.choices)
    name = serializers.CharField(max_length=64)
    id_number = serializers.CharField(required=False, allow_blank=True, max_length=18, default="")
    phone = serializers.CharField(required=False, allow_blank=True, max_length=11, default="")

    def validate_id_number(self, value: str) -> str:
        value = validators.normalize_id_number(value)
        if value:
            _django_validator(validators.validate_id_number)(value)
        return value

    def validate_phone(self, value: str) -> str:
        value = validators.normalize_digits(value)
        if value:
            _django_validator(validators.validate_mobile)(value)
        return value


class BoundedDateTimeField(serializers.DateTimeField):
    """A date-time DRF accepts without a 500 at the edges of what datetime can represent."""

    def to_internal_value(self, value):
        try:
            result = super().to_internal_value(value)
        except OverflowError:
            self.fail("invalid", format="ISO 8601")
        if result.year < validators.EARLIEST_YEAR:
            raise serializers.ValidationError(_("Enter a date after 1900."))
        return result


class CaseCreateSerializer(FieldsBuiltOnce, serializers.Serializer):
    title = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=5000)
    dispute_type = serializers.ChoiceField(choices=DisputeType.choices)
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices, default=RiskLevel.NORMAL)
    source = serializers.ChoiceField(choices=Source.choices, default=Source.GRID_PATROL)
    grid = serializers.CharField(max_length=20, required=False, help_text=_("Grid region code."))
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    occurred_at = BoundedDateTimeField(required=False, allow_null=True, default=None)
    parties = PartyInputSerializer(many=True, allow_empty=False, max_length=50)
    people_involved = serializers.IntegerField(min_value=1, max_value=1_000_000, required=False, allow_null=True)
    amount_involved = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-180, max_value=180, required=False, allow_null=True)

    def validate_occurred_at(self, value):
        if value:
            _django_validator(validators.validate_occurred_at)(value)
        return value

    def validate_parties(self, parties: list[dict]) -> list[dict]:
        _django_validator(validators.validate_party_roles)([p["role"] for p in parties])
        return parties

    def validate_grid(self, value: str) -> Region:
        region = reference.region_by_code(value.strip())
        if region is None:
            raise serializers.ValidationError(_("Unknown region code."))
        if region.level != RegionLevel.GRID:
            raise serializers.ValidationError(_("Choose a grid, not a larger region."))
        return region

    def validate(self, attrs):
        if "grid" not in attrs:
            user = self.context["request"].user
            grids = [ra.region for ra in perms.roles_of(user)
                     if ra.role == Role.GRID_WORKER and ra.region.level == RegionLevel.GRID]
            if len(grids) != 1:
                raise serializers.ValidationError({"grid": [_("This field is required.")]})
            attrs["grid"] = grids[0]
        return attrs


# --- responses ---

class PartySerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    class Meta:
        model = Party
        fields = ["id", "role", "name", "id_number", "phone"]

    def to_representation(self, party):
        data = super().to_representation(party)
        if not self.context.get("personal_data", False):
            data["id_number"] = validators.mask_id_number(party.id_number) if party.id_number else ""
            data["phone"] = validators.mask_phone(party.phone) if party.phone else ""
        return data


class DeadlineSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    state = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = CaseDeadline
        fields = ["kind", "state", "started_at", "due_at", "warn_at", "paused_at", "pause_reason", "pause_ends_at",
                  "extended", "overdue"]
        extra_kwargs = {
            "due_at": {"help_text": "While paused: the latest it can be due, if the pause runs until pause_ends_at."},
            "pause_ends_at": {"help_text": "A pause runs out on its own then, and the clock runs again."},
        }

    @extend_schema_field(serializers.ChoiceField(choices=DeadlineState.choices))
    def get_state(self, deadline) -> str:
        return deadline.state_at(clock.now())  # a pause that has run out is running

    def get_overdue(self, deadline) -> bool:
        return deadline.overdue_at(clock.now())


def _clock_data(case, deadline) -> dict:
    """A clock as DeadlineSerializer shows it, once per case and clock (`deadline` and `deadlines` both show it)."""
    shown = case.__dict__.setdefault("_shown_clocks", {})
    if deadline.pk not in shown:
        shown[deadline.pk] = DeadlineSerializer(deadline).data
    return shown[deadline.pk]


class CaseListSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    region = RegionSerializer()
    parties = serializers.SerializerMethodField()
    mediators = serializers.SlugRelatedField(many=True, read_only=True, slug_field="username")
    deadline = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id", "number", "title", "status", "outcome", "dispute_type", "risk_level", "source",
            "region", "deadline", "parties", "mediators", "created_at", "updated_at", "closed_at", "version",
        ]

    def _personal_data(self, case) -> bool:
        return perms.may_see_personal_data(self.context["request"].user, case)

    def get_parties(self, case) -> list[dict]:
        context = {**self.context, "personal_data": self._personal_data(case)}
        return PartySerializer(case.parties.all(), many=True, context=context).data

    def get_deadline(self, case) -> dict | None:
        """The clock of the current stage: the soonest open one that is not a detached countdown."""
        clocks = [c for c in getattr(case, "open_clocks", []) if c.kind != "judicial_confirmation"]
        return _clock_data(case, clocks[0]) if clocks else None


class EventSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = CaseEvent
        fields = ["seq", "action", "actor", "source_status", "target_status", "note", "data", "created_at"]

    def get_actor(self, event) -> dict | None:
        if event.actor is None:
            return None
        return {"username": event.actor.username, "display_name": event.actor.label}


class AttachmentSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "original_name", "content_type", "size", "sha256", "uploaded_at"]


class CaseDetailSerializer(CaseListSerializer):
    reported_by = serializers.SlugRelatedField(read_only=True, slug_field="username")
    lead_body = serializers.SerializerMethodField()
    merged_into = serializers.SerializerMethodField()
    deadlines = serializers.SerializerMethodField()
    events = EventSerializer(many=True)
    attachments = AttachmentSerializer(many=True)
    allowed_transitions = serializers.SerializerMethodField()
    party_code = serializers.SerializerMethodField(
        help_text=_("The parties' code (解纷码) in force, e.g. K7QD-9M3X-TP, for those who may revoke and reissue "
                    "it (the village committee or township center handling the case); null for everyone else, "
                    "and when no code is in force."))

    class Meta(CaseListSerializer.Meta):
        fields = CaseListSerializer.Meta.fields + [
            "description", "address", "occurred_at", "latitude", "longitude", "people_involved",
            "amount_involved", "reported_by", "lead_body", "merged_into", "agreed_rung",
            "deadlines", "events", "attachments", "allowed_transitions", "party_code",
        ]

    def get_party_code(self, case) -> str | None:
        if not perms.may_manage_party_code(case, self.context["request"].user):
            return None
        return _code_in_force(case)

    def get_lead_body(self, case) -> dict | None:
        return {"id": case.lead_body.pk, "name": case.lead_body.name} if case.lead_body else None

    def get_merged_into(self, case) -> dict | None:
        return {"id": case.merged_into.pk, "number": case.merged_into.number} if case.merged_into else None

    def get_deadlines(self, case) -> list[dict]:
        return [_clock_data(case, clock) for clock in getattr(case, "open_clocks", [])]

    def get_allowed_transitions(self, case) -> list[str]:
        return allowed_transitions(case, self.context["request"].user)


def _code_in_force(case) -> str | None:
    code = PartyCode.objects.in_force().filter(case=case).first()
    return code.display if code else None


class FiledCaseSerializer(CaseDetailSerializer):
    possible_duplicates = serializers.SerializerMethodField()
    party_code = serializers.SerializerMethodField(
        help_text=_("The parties' code (解纷码) in force, e.g. K7QD-9M3X-TP: give it to the parties with the "
                    "receipt; with it they follow the case at /api/v1/public/progress/{party_code}/."))

    class Meta(CaseDetailSerializer.Meta):
        fields = CaseDetailSerializer.Meta.fields + ["possible_duplicates"]

    def get_party_code(self, case) -> str | None:
        """The filer gets the code whoever they are: they hand the receipt to the parties."""
        issued = getattr(case, "issued_party_code", None)  # held by the filing that just issued it
        if issued is not None:
            return issued.display
        return _code_in_force(case)

    def get_possible_duplicates(self, case) -> list[dict]:
        viewer = self.context["request"].user
        return [{"id": c.pk, "number": c.number, "title": c.title, "status": c.status}
                for c in possible_duplicates(viewer=viewer, case=case)]


# --- transitions: one input serializer per transition, built from the ladder's declaration ---

class ObligationInput(serializers.Serializer):
    description = serializers.CharField(max_length=500)
    due_date = serializers.DateField()
    # Art. 35 of 《人民调解工作若干规定》: who performs it, how and where (optional).
    party = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                     help_text=_("The obliged party: the id of one of the case's parties."))
    manner = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")  # 履行方式
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")  # 履行地点

    def validate_due_date(self, value: datetime.date) -> datetime.date:
        _django_validator(validators.validate_obligation_due_date)(value)
        return value


class AgreementSignatureInput(serializers.Serializer):
    party = serializers.IntegerField(min_value=1, help_text=_("The id of one of the case's parties."))
    signed = serializers.BooleanField(required=False, default=True)
    signed_on = serializers.DateField(required=False, allow_null=True, default=None,
                                      help_text=_("Default: the day the agreement was concluded."))



class UsersField(serializers.ListField):
    """Usernames of active users, given back as the users, each once, in the order given."""

    child = serializers.CharField(max_length=150)

    def to_internal_value(self, data) -> list[User]:
        usernames = super().to_internal_value(data)
        users = {u.username: u for u in User.objects.filter(username__in=usernames, is_active=True)}
        unknown = [name for name in usernames if name not in users]
        if unknown:
            raise serializers.ValidationError(_("Unknown users: %(names)s") % {"names": ", ".join(unknown)})
        return [users[name] for name in dict.fromkeys(usernames)]


class OrganizationField(serializers.IntegerField):
    """The id of a mediation organization, given back as the organization."""

    def to_internal_value(self, data) -> Organization:
        pk = serializers.IntegerField(min_value=1).run_validation(data)
        body = Organization.objects.select_related("region").filter(pk=pk).first()
        if body is None:
            raise serializers.ValidationError(_("Unknown organization."))
        return body


def _optional(spec: ladder.Input) -> dict:
    if spec.required:
        return {"help_text": spec.help_text}
    return {"required": False, "help_text": spec.help_text, "allow_null": spec.nullable,
            **({"default": None} if spec.nullable else {})}


def _text(spec: ladder.Input) -> serializers.Field:
    if spec.required:
        return serializers.CharField(max_length=spec.max_length, help_text=spec.help_text)
    return serializers.CharField(max_length=spec.max_length, required=False, allow_blank=True, default="",
                                 help_text=spec.help_text)


K = ladder.InputKind
FIELD_FOR_KIND: dict[str, Callable[[ladder.Input], serializers.Field]] = {
    K.TEXT: _text,
    K.CHOICE: lambda spec: serializers.ChoiceField(choices=spec.choices.choices, **_optional(spec)),
    K.BOOL: lambda spec: serializers.BooleanField(**_optional(spec)),
    K.DATE: lambda spec: serializers.DateField(**_optional(spec)),
    K.USERS: lambda spec: UsersField(max_length=20, **_optional(spec)),
    K.ORGANIZATION: lambda spec: OrganizationField(**_optional(spec)),
    K.CASE: lambda spec: serializers.IntegerField(min_value=1, **_optional(spec)),
    K.PARTIES: lambda spec: serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=False,
                                                  max_length=50, **_optional(spec)),
    K.OBLIGATIONS: lambda spec: ObligationInput(many=True, allow_empty=False, max_length=50),
    K.SIGNATURES: lambda spec: AgreementSignatureInput(many=True, required=False, max_length=50),
}


def input_serializer(spec: ladder.TransitionSpec) -> type[serializers.Serializer]:
    """The request body of a transition: its declared inputs, and the optional note every one takes."""
    fields = {"note": serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")}
    fields.update({i.name: FIELD_FOR_KIND[i.kind](i) for i in spec.inputs})
    camel = "".join(part.title() for part in spec.name.split("_"))
    return type(f"{camel}Input", (serializers.Serializer,), {**fields, "__doc__": str(spec.label)})


TRANSITION_INPUTS: dict[str, type[serializers.Serializer]] = {
    name: input_serializer(spec) for name, spec in ladder.TRANSITIONS.items()
}


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=False, max_length=255)

    def validate_file(self, upload):
        try:
            upload.sniffed_type, upload.sniffed_ext = validators.validate_attachment(upload)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages)
        return upload


class PauseInput(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class ResumeInput(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RiskRaiseInput(serializers.Serializer):
    """Raise the case's risk level: normal → elevated → high (一般 → 较大 → 重大)."""

    risk_level = serializers.ChoiceField(choices=RiskLevel.choices, help_text="The new, higher level.")
    reason = serializers.CharField(max_length=2000, help_text="Why (recorded on the timeline).")


class ErrorSerializer(serializers.Serializer):
    """A refusal: 403 forbidden, 404 not_found, 409 invalid_transition or conflict."""

    code = serializers.CharField()
    detail = serializers.CharField()


# --- the parties' code (解纷码) ---------------------------------------------------------------

class PartyCodeRevokeInput(serializers.Serializer):
    reissue = serializers.BooleanField(required=False, default=False,
                                       help_text=_("Issue a new code in place of the revoked one."))


class PartyCodeSerializer(serializers.Serializer):
    party_code = serializers.CharField(allow_null=True, help_text=_("The new code, or null if none was issued."))


class PublicRatingSerializer(serializers.Serializer):
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    rated_on = serializers.DateField()


class PublicProgressSerializer(serializers.Serializer):
    number = serializers.CharField()
    stage = serializers.CharField()
    handled_by = serializers.CharField(allow_null=True, help_text=_(
        "The body working the case now; once it is closed, the body that last worked it."))
    next_step = serializers.CharField()
    due_date = serializers.DateField(allow_null=True)
    closed = serializers.BooleanField()
    rating = PublicRatingSerializer(allow_null=True, help_text=_(
        "The rating given with this code after the close, or null (always null while the case is open)."))


class PublicRatingInput(serializers.Serializer):
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    comment = serializers.CharField(max_length=COMMENT_MAX_LENGTH, required=False, allow_blank=True, default="",
                                    help_text=_("Optional; nothing that names anyone, please."))
