"""What the parties see of their case with its code (解纷码): where it stands, never what it is about.

`progress` returns six facts and nothing personal — no names, ID numbers, phones, title or
description — for anyone holding a code in force; an unknown or revoked code is a 404 like any
other.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from casework.choices import DeadlineState, Rung, Status
from casework.errors import NotFound
from casework.ladder import STAGES
from casework.models import Case, CaseDeadline, PartyCode
from casework.models.party_codes import normalize
from mediation import selectors


def _next_step(status: str) -> str:
    """A plain sentence per stage: what happens next, in the parties' words."""
    return {
        Status.REPORTED: _("The village mediation committee will decide whether to accept the case."),
        Status.VILLAGE_MEDIATION: _("The village mediation committee is mediating; a mediator will contact you."),
        Status.TOWNSHIP_TRIAGE: _("The township governance center will decide who takes the case on."),
        Status.TOWNSHIP_MEDIATION: _("The township is mediating; a mediator will contact you."),
        Status.REFERRED: _("The case was passed to the receiving body, which will contact you."),
        Status.AGREED: _("An agreement was reached; someone will visit to see that it is kept."),
        Status.CLOSED: _("The case is closed. Nothing more is needed from you."),
    }[status]


@dataclass(frozen=True)
class Progress:
    number: str
    stage: str
    handled_by: str | None
    next_step: str
    due_date: dt.date | None
    closed: bool

    def as_dict(self) -> dict:
        return {"number": self.number, "stage": self.stage, "handled_by": self.handled_by,
                "next_step": self.next_step, "due_date": self.due_date.isoformat() if self.due_date else None,
                "closed": self.closed}


def case_for_code(text: str) -> Case:
    """The case of a code in force, however it was typed; 404 for an unknown or revoked code."""
    code = normalize(text)
    row = PartyCode.objects.in_force().filter(code=code).select_related("case").first() if code else None
    if row is None:
        raise NotFound(_("No case has this code."))
    return row.case


def _handled_by(case: Case) -> str | None:
    rung = case.rung
    if case.status == Status.CLOSED:
        return None
    if rung in (Rung.GRID, Rung.VILLAGE):
        body = selectors.village_committee(case)
    elif rung == Rung.TOWNSHIP:
        body = case.lead_body or selectors.township_center(case)
    elif rung == Rung.CHANNEL:
        referral = case.referrals.order_by("-id").first()
        return referral.receiving_body if referral else None
    else:
        body = None
    return body.name if body else None


def progress(text: str) -> Progress:
    case = case_for_code(text)
    closed = case.status == Status.CLOSED
    stage = STAGES.get(case.status)
    due = None
    if stage is not None:
        clock = (CaseDeadline.objects.filter(case=case, kind=stage.clock, state=DeadlineState.RUNNING)
                 .order_by("-started_at").first())
        due = timezone.localdate(clock.due_at) if clock else None
    return Progress(number=case.number, stage=str(stage.title) if stage else _("Case closed"),
                    handled_by=_handled_by(case), next_step=_next_step(case.status), due_date=due, closed=closed)
