"""The dispute process (纠纷化解流程): each rung of the ladder is a human task in the queue of
the body that works it; deadlines are timer boundary events on those tasks.

The case status is the record of truth. A stage task is completed by the case service that
moves the case on (`flows.engine.follow`), and the `route` gateway then opens the task of the
stage the case is now in — so the process can never run ahead of, or behind, the case.

Deadlines: every stage task carries two non-interrupting timer boundary events read from the stage's
`CaseDeadline` — a warning at two thirds of the time, and the breach. A breach in the village
escalates the case one rung; at the township it raises a supervision order (督办) to the county.
Non-interrupting, because the breach acts through the case service like any other change,
and completing the host task is what cancels its remaining timers.
"""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock

from casework.choices import RiskLevel, Status
from flows import deadlines as timers
from flows import queues
from flows.models import DisputeProcess
from flows.views import StageTaskView


def village_queue(process: DisputeProcess):
    return queues.village_committee(process.case)


def township_queue(process: DisputeProcess):
    return queues.township_center(process.case)


def follow_up_queue(process: DisputeProcess):
    """The follow-up visit is made by whoever reached the agreement."""
    case = process.case
    return queues.village_committee(case) if case.agreed_rung == "village" else queues.township_center(case)


def assigned_mediator(activation):
    """A stage the village already staffed goes straight to the first assigned mediator."""
    return activation.process.case.mediators.order_by("pk").first()


def stage(title, queue, *, assign=None) -> flow.View:
    """A stage task in a body's queue, with its deadline's warning and breach timers."""
    node = flow.View(StageTaskView).Annotation(title=title).Permission(queues.WORK, obj=queue)
    if assign is not None:
        node = node.Assign(assign)
    return (
        node.OnTimeout(timers.warning_moment, this.raise_warning, interrupting=False, title=_("Two thirds of the time"))
        .OnTimeout(timers.breach_moment, this.handle_breach, interrupting=False, title=_("Deadline"))
        .Next(this.route)
    )


def status_is(*statuses):
    return lambda activation: activation.process.case.status in statuses


class DisputeFlow(flow.Flow):
    process_class = DisputeProcess
    lock_impl = lock.select_for_update_lock
    process_title = _("Dispute resolution")
    process_description = _("From the grid up the ladder, as far as the dispute must go.")

    start = flow.StartHandle(this.bind_case).Next(this.risk_gate)

    # 重大风险 skips the village: the filing service has already escalated it.
    risk_gate = (
        flow.If(lambda activation: activation.process.case.risk_level == RiskLevel.HIGH)
        .Annotation(title=_("High risk?"))
        .Then(this.township_triage)
        .Else(this.village_acceptance)
    )

    village_acceptance = stage(_("Village acceptance"), village_queue)  # 受理
    village_mediation = stage(_("Village mediation"), village_queue, assign=assigned_mediator)
    township_triage = stage(_("Township triage"), township_queue)  # 分流
    township_mediation = stage(_("Township mediation"), township_queue)
    referral_tracking = stage(_("Referral tracking"), township_queue)  # 一站式多元化解
    follow_up = stage(_("Follow-up visit"), follow_up_queue)  # 回访

    route = (
        flow.Switch()
        .Annotation(title=_("Where is the case now?"))
        .Case(this.village_acceptance, status_is(Status.REPORTED))
        .Case(this.village_mediation, status_is(Status.VILLAGE_MEDIATION))
        .Case(this.township_triage, status_is(Status.TOWNSHIP_TRIAGE))
        .Case(this.township_mediation, status_is(Status.TOWNSHIP_MEDIATION))
        .Case(this.referral_tracking, status_is(Status.REFERRED))
        .Case(this.follow_up, status_is(Status.AGREED))
        .Default(this.end)
    )

    raise_warning = flow.Function(timers.raise_warning).Annotation(title=_("Deadline warning")).Next(this.warned)
    handle_breach = flow.Function(timers.handle_breach).Annotation(title=_("Deadline breached")).Next(this.breach_handled)
    warned = flow.End()
    breach_handled = flow.End()
    end = flow.End()

    def bind_case(self, activation, case):
        activation.process.case = case
        return activation.process

