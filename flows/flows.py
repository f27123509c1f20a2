"""The dispute process (纠纷化解流程): each rung of the ladder is a human task in the queue of
the body that works it, timed by its stage's clock.

The case status is the record of truth. A stage task is completed by the case service that
moves the case on (`flows.engine.follow`), and the `route` gateway then opens the task of the
stage the case is now in — so the process can never run ahead of, or behind, the case.

Deadlines: every stage task is timed by its stage's `CaseDeadline` — a warning at two thirds of
the time, and the breach. They are not viewflow timers: the clock rows are the schedule, and the
deadline sweep (`fire_deadlines`, flows.deadlines → actions.sweep) acts on the due ones in
batches. A breach in the village escalates the case one rung, through the case service like any
other change, which completes the stage task; at the township it raises a supervision order (督办)
to the county. The chart draws each stage task's clock under its title (ui.views.flow).
"""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock

from casework import ladder
from casework.choices import RiskLevel, Rung
from casework.ladder import Queue
from flows import queues
from flows.models import DisputeProcess
from flows.views import StageTaskView


def agreeing_body(case):
    """The follow-up visit is made by whoever reached the agreement."""
    return queues.village_committee(case) if case.agreed_rung == Rung.VILLAGE else queues.township_center(case)


# The organization whose queue holds a stage's task, for each kind of queue of the ladder.
QUEUE_OWNERS = {
    Queue.VILLAGE_COMMITTEE: queues.village_committee,
    Queue.TOWNSHIP_CENTER: queues.township_center,
    Queue.AGREEING_BODY: agreeing_body,
}


def assigned_mediator(activation):
    """A stage the village already staffed goes straight to the first assigned mediator."""
    return activation.process.case.mediators.order_by("pk").first()


def stage(task: str, *, assign=None) -> flow.View:
    """The ladder's stage task `task` in its body's queue (its clock is drawn under it on the chart)."""
    spec = ladder.STAGE_BY_TASK[task]
    owner = QUEUE_OWNERS[spec.queue]
    node = flow.View(StageTaskView).Annotation(title=spec.title).Permission(
        queues.WORK, obj=lambda process: owner(process.case))
    if assign is not None:
        node = node.Assign(assign)
    return node.Next(this.route)


def status_is(status: str):
    return lambda activation: activation.process.case.status == status


def where_now() -> flow.Switch:
    """Where is the case now? To the stage task of its status; a closed case ends the process."""
    switch = flow.Switch().Annotation(title=_("Where is the case now?"))
    for spec in ladder.STAGES.values():
        switch = switch.Case(getattr(this, spec.task), status_is(spec.status))
    return switch.Default(this.end)


class DisputeFlow(flow.Flow):
    process_class = DisputeProcess
    lock_impl = lock.select_for_update_lock
    process_title = _("Dispute resolution")
    process_description = _("From the grid up the ladder, as far as the dispute must go.")

    start = flow.StartHandle(this.bind_case).Annotation(title=_("Case filed")).Next(this.risk_gate)

    # 重大风险 skips the village: the filing service has already escalated it.
    risk_gate = (
        flow.If(lambda activation: activation.process.case.risk_level == RiskLevel.HIGH)
        .Annotation(title=_("High risk?"))
        .Then(this.township_triage)
        .Else(this.village_acceptance)
    )

    # One stage task per stage of the ladder (casework.ladder.STAGES); the route reaches each.
    village_acceptance = stage("village_acceptance")  # 受理
    village_mediation = stage("village_mediation", assign=assigned_mediator)
    township_triage = stage("township_triage")  # 分流
    township_mediation = stage("township_mediation")
    referral_tracking = stage("referral_tracking")  # 一站式多元化解
    follow_up = stage("follow_up")  # 回访

    route = where_now()

    end = flow.End().Annotation(title=_("Case closed"))

    def bind_case(self, activation, case):
        activation.process.case = case
        return activation.process
