"""The ladder (纠纷化解阶梯), declared once.

Everything that depends on where a dispute stands reads this module: the case's state machine
(`Case` transitions), the services behind each transition (`actions.transitions`), the API's
input serializers and OpenAPI request bodies, the UI's forms and labels, the workflow's stage
tasks and routing (`flows.flows`), the deadline clocks (`casework.deadlines`), the deadline
sweep's breach policy, and the case timeline (`EventAction`).

Adding a transition means: a `TransitionSpec` here, its pure method on `Case`, its service in
`actions.transitions`, and its tests. Adding a rung means: a `Stage` here, its status and clock
kind in `casework.choices`, its stage task in `flows.flows`, and its tests.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from casework import permissions as perms
from casework.choices import (
    OPEN_STATUSES,
    AgreementForm,
    Channel,
    DeadlineKind,
    NotificationKind,
    Rung,
    Satisfaction,
    Status,
)

if TYPE_CHECKING:
    from casework.models import Case, User

Permission = Callable[["Case", "User"], bool]


class EventAction(models.TextChoices):
    """Every action the audit trail records (`CaseEvent.action`), with its timeline label."""

    FILE = "file", _("filed the case")  # 登记
    # The transitions of DESIGN.md §2; the label is also the verb of a refusal message.
    RESOLVE_ON_SPOT = "resolve_on_spot", _("resolve on the spot")  # 就地化解
    ACCEPT = "accept", _("accept")  # 受理
    DECLINE = "decline", _("decline")  # 不予受理
    ESCALATE = "escalate", _("escalate")  # 上报
    TRIAGE_TO_MEDIATION = "triage_to_mediation", _("triage to township mediation")  # 分流至乡镇调解
    RETURN_TO_VILLAGE = "return_to_village", _("return to the village")  # 下沉
    REFER = "refer", _("refer to a channel")  # 多元化解分流
    RECORD_AGREEMENT = "record_agreement", _("record an agreement")
    RECORD_REFERRAL_OUTCOME = "record_referral_outcome", _("record the referral outcome")
    REOPEN = "reopen", _("reopen")
    CLOSE = "close", _("close")
    CLOSE_UNRESOLVED = "close_unresolved", _("close as unresolved")  # 调解不成结案, after 终止调解
    WITHDRAW = "withdraw", _("withdraw")
    MERGE = "merge", _("merge")  # 并单
    # Work queues.
    CLAIM = "claim", _("claimed the task")  # 认领
    ASSIGN = "assign", _("assigned the task")  # 指派
    UNASSIGN = "unassign", _("returned the task to the queue")
    # Clocks.
    PAUSE_CLOCK = "pause_clock", _("paused the deadline")
    RESUME_CLOCK = "resume_clock", _("resumed the deadline")
    PAUSE_LAPSED = "pause_lapsed", _("the pause ran out; the deadline runs again")  # 暂停期满
    EXTEND_DEADLINE = "extend_deadline", _("extended the deadline")  # 延长调解期限
    DEADLINE_WARNING = "deadline_warning", _("deadline warning")  # 即将超期
    DEADLINE_BREACHED = "deadline_breached", _("deadline breached")  # 已超期
    SUPERVISION_ORDER = "supervision_order", _("supervision order to the county")  # 督办
    # Records kept on the case.
    ATTACH = "attach", _("added an attachment")
    SESSION_RECORDED = "session_recorded", _("recorded a mediation session")  # 调解笔录
    TERMINATION_RECORDED = "termination_recorded", _("terminated the mediation")  # 终止调解
    AGREEMENT_SIGNED = "agreement_signed", _("recorded signatures on the agreement")
    AGREEMENT_AMENDED = "agreement_amended", _("completed the agreement's contents")  # 补充协议内容（签署前）
    JUDICIAL_CONFIRMATION_REQUESTED = "judicial_confirmation_requested", _("requested judicial confirmation")  # 司法确认
    JUDICIAL_CONFIRMATION_DECIDED = "judicial_confirmation_decided", _("recorded the court's ruling")
    REFERRAL_RECEIVED = "referral_received", _("recorded the referral's receipt")  # 签收
    FOLLOW_UP_RECORDED = "follow_up_recorded", _("recorded a follow-up visit")  # 回访
    # The case itself.
    RAISE_RISK = "raise_risk", _("raised the risk level")  # 上调风险等级
    PARTY_CODE_REVOKED = "party_code_revoked", _("revoked the parties' code")  # 作废解纷码
    PARTY_RATED = "party_rated", _("the parties rated the handling")  # 当事人评价


# --- the rungs and their stages ----------------------------------------------------------------


class Queue(StrEnum):
    """Whose work queue a stage's task sits in."""

    VILLAGE_COMMITTEE = "village_committee"  # 村（社区）人民调解委员会
    TOWNSHIP_CENTER = "township_center"  # 乡镇（街道）综治中心
    AGREEING_BODY = "agreeing_body"  # whoever reached the agreement (回访)


class Breach(StrEnum):
    """What a breached stage deadline does."""

    ESCALATE = "escalate"  # one rung up: village → township triage
    SUPERVISE = "supervise"  # a supervision order (督办) to the county


@dataclass(frozen=True)
class Extension:
    """A stage clock that may be extended once (延长调解期限), by whom, and whether the parties must consent."""

    permission: Permission
    consent_required: bool = False


@dataclass(frozen=True)
class Stage:
    """One open status of a case: where on the ladder it is worked, and how its time is kept."""

    status: str
    rung: str
    task: str  # the name of its stage task in the workflow (flows.flows.DisputeFlow)
    title: Promise  # the task's title in queues and on the flow chart
    clocks: tuple[str, ...]  # the first is the stage's own clock; others run beside it
    queue: Queue
    breach: Breach | None  # None: a breach is recorded and told, and acts no further
    extension: Extension | None = None
    mediates: bool = False  # mediation is held here: sessions (调解笔录) and terminations are recorded
    # Who may pause (and resume) the stage's clock while waiting for a party: the body that
    # works the stage, so nobody stops another body's clock or restarts one it stopped.
    paused_by: Permission | None = None

    @property
    def clock(self) -> str:
        return self.clocks[0]


S, K = Status, DeadlineKind
STAGES: dict[str, Stage] = {
    stage.status: stage
    for stage in (
        Stage(S.REPORTED, Rung.GRID, "village_acceptance", _("Village acceptance"),  # 受理
              (K.ACCEPTANCE,), Queue.VILLAGE_COMMITTEE, Breach.ESCALATE, paused_by=perms.may_act_for_village),
        Stage(S.VILLAGE_MEDIATION, Rung.VILLAGE, "village_mediation", _("Village mediation"),
              (K.VILLAGE_MEDIATION,), Queue.VILLAGE_COMMITTEE, Breach.ESCALATE,
              # 《人民调解工作若干规定》 art. 33: extendable once, with both parties' consent.
              Extension(perms.may_act_for_village, consent_required=True), mediates=True,
              paused_by=perms.may_act_for_village),
        Stage(S.TOWNSHIP_TRIAGE, Rung.TOWNSHIP, "township_triage", _("Township triage"),  # 分流
              (K.TOWNSHIP_TRIAGE,), Queue.TOWNSHIP_CENTER, Breach.SUPERVISE, paused_by=perms.may_act_for_township),
        Stage(S.TOWNSHIP_MEDIATION, Rung.TOWNSHIP, "township_mediation", _("Township mediation"),
              (K.TOWNSHIP_MEDIATION,), Queue.TOWNSHIP_CENTER, Breach.SUPERVISE,
              Extension(perms.may_act_for_township), mediates=True, paused_by=perms.may_act_for_township),
        Stage(S.REFERRED, Rung.CHANNEL, "referral_tracking", _("Referral tracking"),  # 一站式多元化解
              (K.REFERRAL_FEEDBACK,), Queue.TOWNSHIP_CENTER, Breach.SUPERVISE, paused_by=perms.may_act_for_township),
        # Agreed: the follow-up visit (回访) — late, a supervision order (督办) like the township's
        # clocks. The rung is the agreeing one. The judicial-confirmation window is not a stage
        # clock: a countdown shown to the parties that has no timers and never escalates anything,
        # it starts the day the agreement takes effect (mediation.agreements.time_confirmation_window),
        # which may be after the stage began.
        Stage(S.AGREED, "", "follow_up", _("Follow-up visit"),
              (K.FOLLOW_UP,), Queue.AGREEING_BODY, Breach.SUPERVISE,
              paused_by=perms.may_act_on_agreement),
    )
}
assert set(STAGES) == set(OPEN_STATUSES), "every open status is a stage of the ladder"
assert all(stage.paused_by for stage in STAGES.values()), "every stage says who may pause its clock"
STAGE_BY_TASK: dict[str, Stage] = {stage.task: stage for stage in STAGES.values()}
# Clocks that outlive the stage during which they started: a countdown shown to the parties
# that never escalates anything.
DETACHED_CLOCKS = frozenset({K.JUDICIAL_CONFIRMATION})
# The statuses in which a case is being mediated: sessions and terminations belong here.
MEDIATING = tuple(stage.status for stage in STAGES.values() if stage.mediates)


def statuses_at(*rungs: str) -> tuple[str, ...]:
    """The open statuses worked at these rungs (e.g. what has left the village: township and channel)."""
    return tuple(stage.status for stage in STAGES.values() if stage.rung in rungs)


def rung_of(status: str, agreed_rung: str = "") -> str:
    """The rung working a case in `status`; an agreed or closed case is at the rung that agreed."""
    stage = STAGES.get(status)
    return (stage.rung if stage else "") or agreed_rung or ""


def clocks_for(status: str) -> tuple[str, ...]:
    stage = STAGES.get(status)
    return stage.clocks if stage else ()


def may_pause(case: Case, actor: User) -> bool:
    """May the actor pause and resume the clock of the stage the case is in (`Stage.paused_by`)?

    A case in no stage (closed) has no clock: whoever keeps some stage's clock hears "not now"
    (409) from the clock itself, not "not you".
    """
    stage = STAGES.get(case.status)
    if stage is not None:
        return bool(stage.paused_by(case, actor))
    return any(s.paused_by(case, actor) for s in STAGES.values())


# --- the transitions -----------------------------------------------------------------------------


class InputKind(StrEnum):
    """What kind of value a transition input is; the API and the UI each render every kind once."""

    TEXT = "text"
    CHOICE = "choice"
    BOOL = "bool"
    DATE = "date"
    USERS = "users"  # usernames
    ORGANIZATION = "organization"  # the id of a mediation organization
    CASE = "case"  # the id of a case
    PARTIES = "parties"  # ids of the case's parties
    OBLIGATIONS = "obligations"  # [{description, due_date, party?, manner?, place?}]
    SIGNATURES = "signatures"  # [{party, signed?, signed_on?}]


@dataclass(frozen=True)
class Input:
    """One field a transition takes, as API.md lists it; `note` is implied (optional) unless declared."""

    name: str
    kind: InputKind = InputKind.TEXT
    required: bool = True
    max_length: int = 2000
    choices: type[models.TextChoices] | None = None
    label: Promise | str = ""
    help_text: Promise | str = ""
    nullable: bool = False


@dataclass(frozen=True)
class TransitionSpec:
    """One transition of DESIGN.md §2."""

    name: str
    sources: tuple[str, ...]
    target: str | tuple[str, ...]  # several: the method returns which one
    permission: Permission
    inputs: tuple[Input, ...] = ()
    notify: str | None = None  # the notification kind it raises
    dangerous: bool = False  # ends a case or undoes work: drawn in red, asked to confirm
    # Fired only as the exit of another record (e.g. "termination", 终止调解), never on its own:
    # it is not offered to anyone and the transitions endpoint refuses it.
    via: str = ""

    @property
    def label(self) -> Promise:
        return EventAction(self.name).label

    @property
    def service_name(self) -> str:
        return f"case_{self.name}"

    @property
    def input_names(self) -> tuple[str, ...]:
        names = tuple(i.name for i in self.inputs)
        return names if "note" in names else (*names, "note")

    def input(self, name: str) -> Input:
        return next(i for i in self.inputs if i.name == name)


OPEN = tuple(OPEN_STATUSES)

_SPECS = (
    TransitionSpec("resolve_on_spot", (S.REPORTED,), S.CLOSED, perms.may_resolve_on_spot,
                   (Input("note", label=_("How it was settled")),)),
    TransitionSpec("accept", (S.REPORTED,), S.VILLAGE_MEDIATION, perms.may_act_for_village,
                   (Input("mediators", InputKind.USERS, required=False, label=_("Mediators"),
                          help_text=_("Who will mediate. Leave empty to take it yourself.")),),
                   notify=NotificationKind.ASSIGNED),
    TransitionSpec("decline", (S.REPORTED,), S.CLOSED, perms.may_act_for_village,
                   (Input("reason", label=_("Why it is not accepted")),
                    Input("advised_channel", max_length=100, label=_("Channel the parties were told to use"),
                          help_text=_("A channel code, or free text."))),
                   dangerous=True),
    TransitionSpec("escalate", (S.REPORTED, S.VILLAGE_MEDIATION), S.TOWNSHIP_TRIAGE, perms.may_escalate,
                   (Input("reason", label=_("Why it goes up to the township")),),
                   notify=NotificationKind.ESCALATED),
    TransitionSpec("triage_to_mediation", (S.TOWNSHIP_TRIAGE,), S.TOWNSHIP_MEDIATION, perms.may_act_for_township,
                   (Input("lead_body", InputKind.ORGANIZATION, required=False, nullable=True, label=_("Lead body")),)),
    TransitionSpec("return_to_village", (S.TOWNSHIP_TRIAGE,), S.VILLAGE_MEDIATION, perms.may_act_for_township,
                   (Input("note", label=_("Guidance for the village committee")),)),
    TransitionSpec("refer", (S.TOWNSHIP_TRIAGE, S.TOWNSHIP_MEDIATION), S.REFERRED, perms.may_act_for_township,
                   (Input("channel", InputKind.CHOICE, choices=Channel, label=_("Channel")),
                    Input("receiving_body", max_length=100, label=_("Receiving body"),
                          help_text=_("e.g. 诸暨市劳动人事争议仲裁委员会, 诸暨市人民法院诉调对接中心")))),
    TransitionSpec("record_agreement", (S.VILLAGE_MEDIATION, S.TOWNSHIP_MEDIATION, S.REFERRED), S.AGREED,
                   perms.may_record_agreement,
                   (Input("terms", max_length=5000, label=_("Agreement terms"), help_text=_("What the parties agreed.")),
                    Input("obligations", InputKind.OBLIGATIONS, label=_("Obligations")),
                    # Art. 35 of 《人民调解工作若干规定》 beyond API.md's terms and obligations: optional.
                    Input("form", InputKind.CHOICE, required=False, choices=AgreementForm, label=_("Form of the agreement")),
                    Input("facts", required=False, max_length=5000, label=_("Main facts of the dispute")),
                    Input("points_in_dispute", required=False, max_length=5000, label=_("Points in dispute")),
                    Input("responsibilities", required=False, max_length=5000, label=_("Each side's responsibility")),
                    Input("concluded_on", InputKind.DATE, required=False, nullable=True, label=_("Concluded on"),
                          help_text=_("The day the agreement was reached; default today.")),
                    Input("parties", InputKind.PARTIES, required=False, label=_("Parties to the agreement"),
                          help_text=_("Ids of the parties to it; default every party.")),
                    Input("signatures", InputKind.SIGNATURES, required=False, label=_("Signatures")),
                    Input("sealed", InputKind.BOOL, required=False, nullable=True, label=_("Sealed by the committee")),
                    Input("sealed_on", InputKind.DATE, required=False, nullable=True, label=_("Sealed on")))),
    TransitionSpec("record_referral_outcome", (S.REFERRED,), S.CLOSED, perms.may_act_for_township,
                   (Input("resolved", InputKind.BOOL, label=_("Was it resolved?")),
                    Input("reply", max_length=5000, label=_("The receiving body's reply")))),
    TransitionSpec("reopen", (S.AGREED,), (S.VILLAGE_MEDIATION, S.TOWNSHIP_MEDIATION), perms.may_act_on_agreement,
                   (Input("reason", label=_("Why (a party reneged, an obligation was not met…)")),), dangerous=True),
    TransitionSpec("close", (S.AGREED,), S.CLOSED, perms.may_act_on_agreement,
                   (Input("fulfilled", InputKind.BOOL, label=_("Was the agreement fulfilled?")),
                    Input("satisfaction", InputKind.CHOICE, choices=Satisfaction, label=_("Satisfaction")))),
    TransitionSpec("close_unresolved", MEDIATING, S.CLOSED, perms.may_record_agreement,
                   (Input("note", label=_("What the parties were told")),), dangerous=True, via="termination"),
    TransitionSpec("withdraw", OPEN, S.CLOSED, perms.may_withdraw,
                   (Input("note", label=_("The applicant's request to withdraw")),), dangerous=True),
    TransitionSpec("merge", OPEN, S.CLOSED, perms.may_merge,
                   (Input("into", InputKind.CASE, label=_("Number of the case that carries on")),), dangerous=True),
)
TRANSITIONS: dict[str, TransitionSpec] = {spec.name: spec for spec in _SPECS}
assert all(name in EventAction.values for name in TRANSITIONS), "every transition is an event action"

# Timeline entries drawn as alarming: what ends a case or undoes work, and what a breach raises.
ALARMING_ACTIONS = frozenset(
    {name for name, spec in TRANSITIONS.items() if spec.dangerous}
    | {EventAction.DEADLINE_BREACHED, EventAction.SUPERVISION_ORDER}
)


def may_fire(case: Case, actor: User, name: str) -> bool:
    """Does the actor's role allow this transition on this case, whatever its state?"""
    return bool(TRANSITIONS[name].permission(case, actor))


def possible_from(status: str, name: str) -> bool:
    return status in TRANSITIONS[name].sources


def allowed_transitions(case: Case, actor: User) -> list[str]:
    """What the actor may fire on the case now: possible from its status, permitted, and not
    reserved to the exit of another record."""
    return [name for name, spec in TRANSITIONS.items()
            if not spec.via and possible_from(case.status, name) and may_fire(case, actor, name)]
