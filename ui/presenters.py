"""How the pages say things: deadline countdowns, timeline entries, mediation records.

Pure functions of what the selectors loaded; no queries except where noted.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from casework import validators
from casework.choices import (
    Channel,
    DeadlineKind,
    DeadlineState,
    NotificationKind,
    RiskLevel,
    Satisfaction,
    Source,
    Status,
)
from casework.ladder import ALARMING_ACTIONS, EventAction
from casework.models import Case, CaseDeadline, CaseEvent, User
from mediation.choices import VisitManner

# --- deadlines -----------------------------------------------------------------------------


def duration_text(delta: dt.timedelta) -> str:
    """“3天5小时”, “5小时20分钟”: days and hours, or hours and minutes under a day."""
    seconds = max(int(delta.total_seconds()), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        parts = [ngettext("%(n)d day", "%(n)d days", days) % {"n": days}]
        if hours:
            parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    elif hours:
        parts = [ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}]
        if minutes:
            parts.append(ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes})
    else:
        parts = [ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}]
    if len(parts) == 1:
        return parts[0]
    return _("%(larger)s %(smaller)s") % {"larger": parts[0], "smaller": parts[1]}


@dataclass
class Countdown:
    state: str  # ok | warning | overdue | paused | ended
    text: str
    due_at: dt.datetime | None
    kind: str = ""
    reason: str = ""


def countdown(deadline: CaseDeadline | None, *, due_at: dt.datetime | None = None,
              now: dt.datetime | None = None) -> Countdown | None:
    """The time left on a stage's clock as a person reads it, and how urgent it is."""
    from casework import clock

    now = now or clock.now()
    if deadline is not None:
        due_at = deadline.due_at
        kind = deadline.get_kind_display()
        if deadline.kind == DeadlineKind.JUDICIAL_CONFIRMATION and due_at <= now:
            # A window for the parties, not a stage's deadline: when it has passed, it is over, not late.
            return Countdown("ended", _("Ended on %(date)s") % {"date": formats.date_format(
                timezone.localtime(due_at), "DATE_FORMAT")}, due_at, kind)
        if deadline.state_at(now) == DeadlineState.PAUSED:  # a pause that has run out runs again
            return Countdown("paused", _("Paused"), due_at, kind, deadline.pause_reason)
        warn_at = deadline.warn_at
    elif due_at is not None:
        kind, warn_at = "", None
    else:
        return None
    if due_at <= now:
        return Countdown("overdue", _("Overdue by %(time)s") % {"time": duration_text(now - due_at)}, due_at, kind)
    state = "warning" if (warn_at is not None and now >= warn_at) or due_at - now < dt.timedelta(days=1) else "ok"
    return Countdown(state, _("%(time)s left") % {"time": duration_text(due_at - now)}, due_at, kind)


# --- the timeline --------------------------------------------------------------------------

def action_label(action: str) -> str:
    """The timeline's words for an event action (every action the code writes has one)."""
    return str(EventAction(action).label) if action in EventAction.values else action


AUTOMATIC_REASONS = {
    "high_risk": gettext_lazy("high risk: straight to the township"),
    "deadline_breached": gettext_lazy("the deadline was breached"),
}


def automatic_reason(code: str) -> str:
    """Why the system acted, in words: its own phrase, else the label of the event or alarm named."""
    if code in AUTOMATIC_REASONS:
        return str(AUTOMATIC_REASONS[code])
    for choices in (NotificationKind, EventAction):
        if code in choices.values:
            return choice_label(choices, code)
    return code


def choice_label(choices: type[models.TextChoices], value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def yes_no(value) -> str:
    return _("Yes") if value else _("No")


@dataclass
class TimelineEntry:
    event: CaseEvent
    label: str
    actor: str
    details: list[tuple[str, str]] = field(default_factory=list)
    danger: bool = False

    @property
    def note(self) -> str:
        """The event's note, unless it is only the code of an automatic reason (the details say it)."""
        d = self.event.data or {}
        if d.get("automatic") and self.event.note == d.get("reason"):
            return ""
        return self.event.note

    @property
    def status_changed(self) -> bool:
        return bool(self.event.source_status) and self.event.source_status != self.event.target_status

    @property
    def source_label(self) -> str:
        return status_label(self.event.source_status)

    @property
    def target_label(self) -> str:
        return status_label(self.event.target_status)


def _user_labels(events: list[CaseEvent]) -> dict[str, str]:
    names: set[str] = set()
    for e in events:
        names.update(e.data.get("mediators") or [])
        if e.data.get("assignee"):
            names.add(e.data["assignee"])
    if not names:
        return {}
    return {u.username: u.label for u in User.objects.filter(username__in=names)}  # one query


def _event_details(e: CaseEvent, users: dict[str, str]) -> list[tuple[str, str]]:
    d, out = e.data or {}, []
    if e.action == "file":
        if d.get("source"):
            out.append((_("Source"), choice_label(Source, d["source"])))
        if d.get("parties"):
            out.append((_("Parties"), str(d["parties"])))
    if e.action == "escalate" and d.get("automatic"):
        out.append((_("Reason"), automatic_reason(d.get("reason", ""))))
    elif d.get("reason") and d["reason"] != e.note:
        out.append((_("Reason"), d["reason"]))
    if d.get("mediators"):
        out.append((_("Mediators"), "、".join(users.get(u, u) for u in d["mediators"])))
    if d.get("advised_channel"):
        out.append((_("Advised channel"), choice_label(Channel, d["advised_channel"])))
    if d.get("lead_body_name"):
        out.append((_("Lead body"), d["lead_body_name"]))
    if d.get("channel"):
        out.append((_("Channel"), choice_label(Channel, d["channel"])))
    if d.get("receiving_body"):
        out.append((_("Receiving body"), d["receiving_body"]))
    if e.action == "record_agreement" and d.get("obligations"):
        out.append((_("Obligations"), str(d["obligations"])))
    if "resolved" in d and e.action == "record_referral_outcome":
        out.append((_("Resolved"), yes_no(d["resolved"])))
    if "fulfilled" in d:
        out.append((_("Fulfilled"), yes_no(d["fulfilled"])))
    if d.get("satisfaction"):
        out.append((_("Satisfaction"), choice_label(Satisfaction, d["satisfaction"])))
    if e.action == EventAction.FOLLOW_UP_RECORDED and d.get("manner"):
        out.append((_("Manner"), choice_label(VisitManner, d["manner"])))
    if d.get("into_number"):
        out.append((_("Merged into"), d["into_number"]))
    if e.action in ("claim", "assign", "unassign") and d.get("assignee"):
        out.append((_("Assignee"), users.get(d["assignee"], d["assignee"])))
    if d.get("deadline"):
        out.append((_("Deadline"), choice_label(DeadlineKind, d["deadline"])))
    if e.action == "raise_risk" and d.get("to"):
        out.append((_("Risk level"), f"{choice_label(RiskLevel, d.get('from', ''))} → {choice_label(RiskLevel, d['to'])}"))
    if e.action in ("resume_clock", "pause_lapsed") and d.get("paused_seconds") is not None:
        out.append((_("Paused for"), duration_text(dt.timedelta(seconds=d["paused_seconds"]))))
    return out


def _actorless(action: str) -> str:
    """Who acted when no user did: the parties rating with their code, else the system (timers, rules)."""
    return _("The parties") if action == "party_rated" else _("System")


def timeline(events: list[CaseEvent]) -> list[TimelineEntry]:
    """Every event of the audit trail, newest last, with who did what in words."""
    users = _user_labels(events)
    return [
        TimelineEntry(
            event=e, label=action_label(e.action),
            actor=e.actor.label if e.actor_id else _actorless(e.action),
            details=_event_details(e, users), danger=e.action in ALARMING_ACTIONS,
        )
        for e in events
    ]


def status_label(value: str) -> str:
    return choice_label(Status, value) if value else ""


# Why a case is listed as a likely duplicate (search.selectors.Duplicate.reason).
DUPLICATE_REASONS = {
    "same_person": gettext_lazy("Same person (ID number or phone)"),
    "same_name_similar": gettext_lazy("Same name, similar description"),
}


# --- mediation records ---------------------------------------------------------------------

# Shown by their own section; other mediation models hanging off a case (sessions,
# terminations, judicial confirmation requests…) are found and shown generically.
SKIP_FIELDS = frozenset({"id", "case", "hash", "prev_hash", "superseded"})
PERSONAL_FIELDS = frozenset({"id_number", "phone"})


@dataclass
class Record:
    obj: models.Model
    fields: list[tuple[str, str]]
    children: list[tuple[str, list[list[tuple[str, str]]]]] = field(default_factory=list)


@dataclass
class RecordSection:
    key: str
    title: str
    records: list[Record]


def _display(obj: models.Model, f: models.Field, personal_data: bool) -> str:
    value = getattr(obj, f.name)
    if value is None or value == "":
        return ""
    if f.choices:
        return str(getattr(obj, f"get_{f.name}_display")())
    if isinstance(f, models.BooleanField):
        return yes_no(value)
    if isinstance(f, models.DateTimeField):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(f, models.DateField):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(f, models.ForeignKey):
        return getattr(value, "label", None) or str(value)
    if isinstance(f, models.FileField):
        return value.name.rsplit("/", 1)[-1]
    if isinstance(f, models.JSONField):
        return ""
    if f.name in PERSONAL_FIELDS and not personal_data:
        return validators.mask_id_number(value) if f.name == "id_number" else validators.mask_phone(value)
    return str(value)


# Labels for fields the mediation models declare without a verbose_name (Django then makes
# one from the field name, which no catalogue translates).
UNLABELLED_FIELDS = {
    "sent_by": gettext_lazy("Sent by"),
    "visited_by": gettext_lazy("Visited by"),
    "visited_at": gettext_lazy("Visited at"),
    "recorded_at": gettext_lazy("Recorded at"),
    "recorded_by": gettext_lazy("Recorded by"),
    "signed": gettext_lazy("Signed"),
    "signed_on": gettext_lazy("Signed on"),
}


def field_label(f: models.Field) -> str:
    if f.verbose_name == f.name.replace("_", " ") and f.name in UNLABELLED_FIELDS:
        return str(UNLABELLED_FIELDS[f.name])
    return str(f.verbose_name).capitalize() if f.verbose_name else f.name


def record_fields(obj: models.Model, *, personal_data: bool, skip: frozenset[str] = SKIP_FIELDS) -> list[tuple[str, str]]:
    out = []
    for f in obj._meta.concrete_fields:
        if f.name in skip or f.primary_key or (isinstance(f, models.ForeignKey) and f.related_model is Case):
            continue
        text = _display(obj, f, personal_data)
        if text:
            out.append((field_label(f), text))
    return out


CHILD_TITLES = {"obligation": gettext_lazy("Obligations")}


def _children(obj: models.Model, personal_data: bool) -> list[tuple[str, list[list[tuple[str, str]]]]]:
    """Rows hanging off a record (an agreement's obligations…), found by their foreign key."""
    out = []
    for rel in obj._meta.related_objects:
        if not rel.one_to_many or rel.related_model._meta.app_label != "mediation":
            continue
        rows = list(getattr(obj, rel.get_accessor_name()).all())
        if rows:
            meta = rel.related_model._meta
            title = CHILD_TITLES.get(meta.model_name) or str(meta.verbose_name_plural).capitalize()
            out.append((str(title), [
                record_fields(row, personal_data=personal_data, skip=SKIP_FIELDS | {rel.field.name}) for row in rows
            ]))
    return out


# Kept on the case page in a section of their own: the parties' ratings (ui/includes/party_ratings.html)
# show neither the code they were given with (a credential) nor, to supervisors, the free-text comment.
SHOWN_ON_THEIR_OWN = frozenset({"mediation.partyrating"})


def mediation_records(case: Case, *, personal_data: bool) -> list[RecordSection]:
    """Every mediation record of the case (agreements, referrals, follow-ups, and whatever the
    mediation app adds: sessions, terminations, judicial confirmation requests), oldest first."""
    sections = []
    for rel in Case._meta.related_objects:
        model = rel.related_model
        if model._meta.app_label != "mediation" or not (rel.one_to_many or rel.one_to_one):
            continue
        if model._meta.label_lower in SHOWN_ON_THEIR_OWN:
            continue
        accessor = rel.get_accessor_name()
        if rel.one_to_one:
            obj = getattr(case, accessor, None) if hasattr(case, accessor) else None
            objs = [obj] if obj is not None else []
        else:
            objs = list(getattr(case, accessor).all())
        if not objs:
            continue
        records = [Record(obj=o, fields=record_fields(o, personal_data=personal_data),
                          children=_children(o, personal_data)) for o in objs]
        sections.append(RecordSection(key=accessor, title=str(model._meta.verbose_name_plural).capitalize(),
                                      records=records))
    return sections


def current_agreement(case: Case):
    """The agreement that stands (not superseded by a reopening), if any."""
    agreements = getattr(case, "agreements", None)
    if agreements is None:
        return None
    return agreements.filter(superseded=False).order_by("-recorded_at", "-id").first()


@dataclass
class PartyRow:
    role: str
    name: str
    id_number: str
    phone: str


def party_rows(case: Case, *, personal_data: bool) -> list[PartyRow]:
    """Parties with ID numbers and phones masked for those who do not work the case."""
    rows = []
    for p in case.parties.all():
        id_number, phone = p.id_number, p.phone
        if not personal_data:
            id_number = validators.mask_id_number(id_number) if id_number else ""
            phone = validators.mask_phone(phone) if phone else ""
        rows.append(PartyRow(p.get_role_display(), p.name, id_number, phone))
    return rows
