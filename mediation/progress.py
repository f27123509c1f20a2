"""What the parties see of their case with its code (解纷码): where it stands, never what it is about.

`progress` returns six facts and nothing personal — no names, ID numbers, phones, title or
description — for anyone holding a code in force, and, once the case is closed, the rating given
with that code (if any); an unknown or revoked code is a 404 like any other.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from casework.choices import DeadlineState, Outcome, Rung, Satisfaction, Status
from casework.errors import NotFound
from casework.ladder import STAGES, rung_of
from casework.models import Case, CaseDeadline, PartyCode
from casework.models.party_codes import normalize
from mediation import selectors
from mediation.models import PartyRating


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
    rating: Rating | None = None

    @property
    def may_rate(self) -> bool:
        return self.closed and self.rating is None

    def as_dict(self) -> dict:
        return {"number": self.number, "stage": self.stage, "handled_by": self.handled_by,
                "next_step": self.next_step, "due_date": self.due_date.isoformat() if self.due_date else None,
                "closed": self.closed, "rating": self.rating.as_dict() if self.rating else None}


@dataclass(frozen=True)
class Rating:
    """The rating given with this code: the answer and its day (the comment stays with the staff)."""

    satisfaction: str
    rated_on: dt.date

    @property
    def label(self) -> str:
        return str(Satisfaction(self.satisfaction).label)

    def as_dict(self) -> dict:
        return {"satisfaction": self.satisfaction, "rated_on": self.rated_on.isoformat()}


def code_in_force(text: str) -> PartyCode:
    """The code in force, however it was typed, with its case; 404 for an unknown or revoked code."""
    code = normalize(text)
    row = PartyCode.objects.in_force().filter(code=code).select_related("case").first() if code else None
    if row is None:
        raise NotFound(_("No case has this code."))
    return row


def case_for_code(text: str) -> Case:
    """The case of a code in force, however it was typed; 404 for an unknown or revoked code."""
    return code_in_force(text).case


def _closed_from(case: Case) -> str:
    """The status the case was closed from (its last step before `closed`)."""
    event = (case.events.filter(target_status=Status.CLOSED).exclude(source_status=Status.CLOSED)
             .order_by("-seq").only("source_status").first())
    return event.source_status if event else ""


def _handled_by(case: Case) -> str | None:
    """The body working the case now or, once it is closed, the one that last worked it."""
    if case.status == Status.CLOSED:
        if case.outcome == Outcome.RESOLVED_GRID:
            return case.region.name  # settled on the spot by the grid (就地化解)
        rung = rung_of(_closed_from(case), case.agreed_rung)
    else:
        rung = case.rung
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
    party_code = code_in_force(text)
    case = party_code.case
    closed = case.status == Status.CLOSED
    stage = STAGES.get(case.status)
    due = None
    if stage is not None:
        clock = (CaseDeadline.objects.filter(case=case, kind=stage.clock, state=DeadlineState.RUNNING)
                 .order_by("-started_at").first())
        due = timezone.localdate(clock.due_at) if clock else None
    return Progress(number=case.number, stage=str(stage.title) if stage else _("Case closed"),
                    handled_by=_handled_by(case), next_step=_next_step(case.status), due_date=due, closed=closed,
                    rating=_rating(party_code) if closed else None)


def _rating(party_code: PartyCode) -> Rating | None:
    row = PartyRating.objects.filter(party_code=party_code).first()
    return Rating(row.satisfaction, timezone.localdate(row.rated_at)) if row else None
