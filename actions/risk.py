"""Raising a case's risk level after filing (风险升级: 一般 → 较大 → 重大, DESIGN.md §2).

What a grid worker saw at filing may turn out worse: a threat of violence, a dispute that may
turn criminal (民转刑), more people drawn in (群体性). Those who work or oversee the case
(`casework.permissions.may_raise_risk`) raise its level with a reason, on the timeline. Raised to
重大, the case goes where a high-risk filing goes — out of the village straight to township
triage, as the system's escalation — and the township and county are alerted (`high_risk`),
once: a level can only go up, so a case is raised to 重大 at most once. Lowering is not offered.
"""
from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from actions.changes import check_access, lock_for, record_change
from casework import clock, deadlines, ladder
from casework import permissions as perms
from casework.choices import NotificationKind, RiskLevel
from casework.errors import InvalidInput, InvalidTransition
from casework.ladder import EventAction
from casework.models import Case, User
from flows import engine, inbox

# 一般 < 较大 < 重大
RISK_ORDER = (RiskLevel.NORMAL, RiskLevel.ELEVATED, RiskLevel.HIGH)


def _refusal() -> str:
    return _("Your role may not raise this case's risk level.")


def check_risk(case: Case, actor: User, seen_version: int | None = None) -> None:
    """Every check that does not need the input, in the order the API promises: 404, 403, 409
    conflict, 409 state (a closed case keeps the level it closed with)."""
    check_access(case, actor, may=perms.may_raise_risk, refusal=_refusal(), seen_version=seen_version)
    if not case.is_open:
        raise InvalidTransition(_("The risk level of a closed case can no longer be raised."))


@transaction.atomic
def case_raise_risk(*, case_id: int, actor: User, risk_level: str, reason: str,
                    seen_version: int | None = None) -> Case:
    """Raise the case's risk level; to 重大, fast-track and alert as a high-risk filing does.

    Locks the case row; refuses as `check_risk` does, then with 400 without a reason or with an
    unknown level, and with 409 when the level is not higher than the case's.
    """
    case = lock_for(case_id, actor, may=perms.may_raise_risk, refusal=_refusal(), seen_version=seen_version)
    check_risk(case, None)  # jurisdiction, role and view were checked by lock_for
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("A reason is required."), fields={"reason": [_("A reason is required.")]})
    if risk_level not in RISK_ORDER:
        message = _("Unknown risk level.")
        raise InvalidInput(message, fields={"risk_level": [message]})
    previous = case.risk_level
    if RISK_ORDER.index(risk_level) <= RISK_ORDER.index(previous):
        raise InvalidTransition(_("The risk level can only be raised: this case is already “%(level)s”.")
                                % {"level": case.get_risk_level_display()})

    case.risk_level = risk_level
    high = risk_level == RiskLevel.HIGH
    # The alarm goes with the raise itself: one alarm, pointing at who raised it and why.
    record_change(case, actor=actor, action=EventAction.RAISE_RISK, note=reason, fields=["risk_level"],
                  data={"from": previous, "to": risk_level}, notify=NotificationKind.HIGH_RISK if high else None)
    if high and case.status in ladder.TRANSITIONS["escalate"].sources:
        _fast_track(case)
    return case


def _fast_track(case: Case) -> None:
    """重大风险 skips the village: up to township triage as the system, as at a high-risk filing."""
    source = case.status
    case.escalate()
    deadlines.on_status_change(case=case, source=source, at=clock.now())
    record_change(case, actor=None, action=EventAction.ESCALATE, source=source, fields=["status"],
                  data={"automatic": True, "reason": "high_risk"})
    engine.follow(case, None)
    inbox.sync([case.pk])
