"""Drawing up an agreement (调解协议书) and deciding when it takes effect.

Helpers for the services that lock the case: `actions.transitions.case_record_agreement` and
`actions.records`. They write rows but never the case itself (the actions layer records the change).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from casework import calendar, clock, deadlines
from casework.choices import DeadlineKind, Rung
from casework.errors import InvalidInput
from casework.models import Case, CaseDeadline, Party, User
from mediation.choices import AgreementForm
from mediation.models import Agreement, AgreementParty, MediationSession, Obligation, Organization
from mediation.selectors import township_center, village_committee


def today() -> dt.date:
    return timezone.localdate(clock.now())


def _refuse(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, fields={field: [message]})


def sealing_body(case: Case) -> tuple[Organization | None, str]:
    """The body that mediated the agreement being reached now, whose seal it bears, and its name:
    the village committee; at the township, the lead body (default the center); in a channel,
    the receiving body (e.g. a court's pre-filing mediation), which is not one of ours."""
    if case.rung == Rung.CHANNEL:
        referral = case.referrals.order_by("-sent_at", "-id").first()
        return None, referral.receiving_body if referral else ""
    if case.rung == Rung.VILLAGE:
        body = village_committee(case)
    else:
        body = case.lead_body if case.lead_body_id is not None else township_center(case)
    return body, body.name if body else ""


def stage_mediators(case: Case, actor: User) -> list[User]:
    """Who mediated at the stage the case is in: whoever sat at its sessions since the stage
    began; without a session, the village's assigned mediators in the village; else the recorder."""
    stage_clock = deadlines.current_clock(case)
    sessions = MediationSession.objects.filter(case=case)
    if stage_clock is not None:
        sessions = sessions.filter(held_at__gte=stage_clock.started_at)
    sat = list(User.objects.filter(mediation_sessions__in=sessions).distinct().order_by("pk"))
    if sat:
        return sat
    if case.rung == Rung.VILLAGE:
        assigned = list(case.mediators.order_by("pk"))
        if assigned:
            return assigned
    return [actor]


# Records are often entered after the fact (补录), but not by years: a typing mistake.
LATE_ENTRY = dt.timedelta(days=366)


def earliest_agreement_day(case: Case) -> dt.date:
    """The first day an agreement of this case can have been reached: not before the dispute
    arose, nor more than a year before the case was filed."""
    earliest = timezone.localdate(case.created_at) - LATE_ENTRY
    if case.occurred_at is not None:
        earliest = max(earliest, timezone.localdate(case.occurred_at))
    return earliest


def _bounded_date(value: dt.date | None, field: str, *, default: dt.date, earliest: dt.date,
                  after: str) -> dt.date:
    """A day that is not in the future and not before `earliest` (what it cannot precede: `after`)."""
    value = value or default
    if value > today():
        raise _refuse(field, _("This date is in the future."))
    if value < earliest:
        raise _refuse(field, _("This date is before %(what)s (%(date)s).") % {"what": after, "date": earliest.isoformat()})
    return value


def _signatures(raw: Iterable[dict], party_ids: list[int], concluded_on: dt.date) -> dict[int, dt.date | None]:
    """party id → the day they signed (None: not signed), from [{party, signed, signed_on}]."""
    signed: dict[int, dt.date | None] = {}
    for item in raw:
        party = item["party"]
        if party not in party_ids:
            raise _refuse("signatures", _("Not a party to this agreement: %(id)s") % {"id": party})
        if party in signed:
            raise _refuse("signatures", _("Each party signs once: %(id)s is listed twice.") % {"id": party})
        if item.get("signed", True):
            signed[party] = _bounded_date(item.get("signed_on"), "signatures", default=today(), earliest=concluded_on,
                                          after=_("the day the agreement was reached"))
        else:
            signed[party] = None
    return signed


def effective_date(agreement: Agreement, signatories: list[AgreementParty]) -> dt.date | None:
    """When it takes effect: an oral agreement when reached (人民调解法 art. 30); a written one
    when the last party has signed and the committee has sealed it (art. 29)."""
    if agreement.form == AgreementForm.ORAL:
        return agreement.concluded_on
    if not signatories or not agreement.sealed or not all(s.signed for s in signatories):
        return None
    return max([s.signed_on for s in signatories] + [agreement.sealed_on])


def create_agreement(
    *, case: Case, actor: User, terms: str, obligations: list[dict], form: str = AgreementForm.WRITTEN,
    facts: str = "", points_in_dispute: str = "", responsibilities: str = "", parties: list[int] | None = None,
    signatures: list[dict] | None = None, sealed: bool | None = None, sealed_on: dt.date | None = None,
    concluded_on: dt.date | None = None,
) -> Agreement:
    """The agreement with its parties, signatures and obligations (art. 35), on the locked case.

    Parties default to every party of the case. A written agreement takes effect only when every
    party has signed and the body has sealed it; one that lacks art. 35's contents is a draft,
    which cannot be signed or sealed until it is completed (`complete_agreement`).
    """
    concluded_on = _bounded_date(concluded_on, "concluded_on", default=today(), earliest=earliest_agreement_day(case),
                                 after=_("the dispute arose, or a year before the case was filed"))
    case_parties: dict[int, Party] = {p.pk: p for p in case.parties.all()}
    party_ids = list(dict.fromkeys(parties)) if parties else list(case_parties)
    strangers = [str(pk) for pk in party_ids if pk not in case_parties]
    if strangers:
        raise _refuse("parties", _("Not a party of this case: %(ids)s") % {"ids": ", ".join(strangers)})
    _check_obliged(obligations, party_ids)
    oral = form == AgreementForm.ORAL
    if oral and (sealed or any(s.get("signed", True) for s in signatures or [])):
        raise _refuse("signatures", _("An oral agreement is recorded by the mediator; it is not signed or sealed."))
    signed = _signatures(signatures or [], party_ids, concluded_on)
    sealed_on = _seal_date(sealed_on, concluded_on) if sealed else None

    body, body_name = sealing_body(case)
    agreement = Agreement.objects.create(
        case=case, number=f"{case.number}-{case.agreements.count() + 1}", organization=body, body_name=body_name,
        form=form, facts=facts.strip(), points_in_dispute=points_in_dispute.strip(),
        responsibilities=responsibilities.strip(), terms=terms, concluded_on=concluded_on,
        sealed=bool(sealed), sealed_on=sealed_on, recorded_by=actor,
    )
    agreement.mediators.set(stage_mediators(case, actor))
    signatories = AgreementParty.objects.bulk_create(
        AgreementParty(agreement=agreement, party_id=pk, signed=signed.get(pk) is not None, signed_on=signed.get(pk))
        for pk in party_ids
    )
    rows = _write_obligations(agreement, obligations)
    if any(s.signed for s in signatories) or agreement.sealed:
        _refuse_draft(agreement, rows, "signatures" if any(s.signed for s in signatories) else "sealed")
    agreement.effective_on = effective_date(agreement, signatories)
    agreement.save(update_fields=["effective_on"])
    return agreement


def _check_obliged(obligations: list[dict], party_ids: list[int]) -> None:
    for obligation in obligations:
        if obligation.get("party") is not None and obligation["party"] not in party_ids:
            raise _refuse("obligations", _("Not a party to this agreement: %(id)s") % {"id": obligation["party"]})


def _write_obligations(agreement: Agreement, obligations: list[dict]) -> list[Obligation]:
    return Obligation.objects.bulk_create(
        Obligation(agreement=agreement, party_id=o.get("party"), description=o["description"],
                   manner=o.get("manner", ""), place=o.get("place", ""), due_date=o["due_date"])
        for o in obligations
    )


def _seal_date(sealed_on: dt.date | None, concluded_on: dt.date) -> dt.date:
    return _bounded_date(sealed_on, "sealed_on", default=today(), earliest=concluded_on,
                         after=_("the day the agreement was reached"))


def draft_problem(agreement: Agreement, obligations: list[Obligation] | None = None) -> str | None:
    """Why the agreement cannot be signed or sealed yet (a draft lacking art. 35's contents), or None."""
    missing = agreement.missing_contents(obligations)
    if not missing:
        return None
    return _("This agreement is a draft and cannot be signed or sealed yet: it lacks %(missing)s.") % {
        "missing": "、".join(str(m) for m in missing)}


def _refuse_draft(agreement: Agreement, obligations: list[Obligation] | None, field: str) -> None:
    problem = draft_problem(agreement, obligations)
    if problem:
        raise _refuse(field, problem)


def complete_agreement(*, agreement: Agreement, facts: str | None = None, points_in_dispute: str | None = None,
                       responsibilities: str | None = None, obligations: list[dict] | None = None) -> list[str]:
    """Fill in or correct a written agreement nobody has signed or sealed yet; return the fields changed.

    `obligations`, when given, replaces every obligation. A signed or sealed text is what the
    parties signed: it is never changed (reopen the case and reach a new agreement instead).
    """
    if agreement.is_oral:
        raise _refuse("form", _("An oral agreement is recorded by the mediator as it was reached."))
    if agreement.sealed or agreement.signatories.filter(signed=True).exists():
        raise _refuse("terms", _("A signed or sealed agreement cannot be changed; reopen the case to reach a new one."))
    changed = []
    for field, value in (("facts", facts), ("points_in_dispute", points_in_dispute),
                         ("responsibilities", responsibilities)):
        if value is not None and value.strip() != getattr(agreement, field):
            setattr(agreement, field, value.strip())
            changed.append(field)
    if changed:
        agreement.save(update_fields=changed)
    if obligations is not None:
        _check_obliged(obligations, list(agreement.signatories.values_list("party_id", flat=True)))
        agreement.obligations.all().delete()
        _write_obligations(agreement, obligations)
        changed.append("obligations")
    if not changed:
        raise _refuse("facts", _("Nothing to change."))
    return changed


def record_signatures(*, agreement: Agreement, signatures: list[dict], sealed: bool = False,
                      sealed_on: dt.date | None = None) -> list[int]:
    """Record parties who have since signed and, if `sealed`, the seal; return the ids of the new signers.

    The caller has refused a draft (`draft_problem`) under the case's row lock."""
    signatories = list(agreement.signatories.all())
    by_party = {s.party_id: s for s in signatories}
    signed = _signatures(signatures, list(by_party), agreement.concluded_on or today())
    new = []
    for party, day in signed.items():
        row = by_party[party]
        if day is None:
            continue
        if row.signed:
            raise _refuse("signatures", _("Party %(id)s has already signed.") % {"id": party})
        row.signed, row.signed_on = True, day
        row.save(update_fields=["signed", "signed_on"])
        new.append(party)
    if sealed:
        if agreement.sealed:
            raise _refuse("sealed", _("The agreement is already sealed."))
        agreement.sealed, agreement.sealed_on = True, _seal_date(sealed_on, agreement.concluded_on or today())
    elif not new:
        raise _refuse("signatures", _("Record at least one signature or the committee's seal."))
    agreement.effective_on = effective_date(agreement, signatories)
    agreement.save(update_fields=["sealed", "sealed_on", "effective_on"])
    return new


def time_confirmation_window(*, case: Case, agreement: Agreement) -> CaseDeadline | None:
    """Start the judicial-confirmation countdown (人民调解法 art. 33) once the agreement is in force:
    30 days from the day it took effect, which may be before the day it was recorded. Nothing
    runs while a written agreement waits for a signature or the seal."""
    if agreement.effective_on is None:
        return None
    running = CaseDeadline.objects.filter(case=case, kind=DeadlineKind.JUDICIAL_CONFIRMATION, ended_at__isnull=True)
    if running.exists():
        return None
    return deadlines.start_clock(case=case, kind=DeadlineKind.JUDICIAL_CONFIRMATION, at=clock.now(),
                                 base=calendar.end_of_day(agreement.effective_on))
