"""Drawing up an agreement (调解协议书) and deciding when it takes effect.

Helpers for the services that lock the case: `actions.transitions.case_record_agreement` and
`actions.records`. They write rows but never the case itself (the actions layer records the change).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from casework import calendar, clock
from casework.choices import DeadlineKind, DeadlineState, Rung
from casework.errors import InvalidInput
from casework.models import Case, CaseDeadline, Party, User
from mediation.choices import AgreementForm
from mediation.models import Agreement, AgreementParty, Obligation, Organization
from mediation.selectors import township_center, village_committee


def today() -> dt.date:
    return timezone.localdate(clock.now())


def _refuse(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, fields={field: [message]})


def sealing_body(case: Case) -> Organization | None:
    """The body whose agreement it is: the village committee, the township's lead body, or the center."""
    if case.rung == Rung.VILLAGE:
        return village_committee(case)
    if case.rung == Rung.TOWNSHIP and case.lead_body_id is not None:
        return case.lead_body
    return township_center(case)


def _past_date(value: dt.date | None, field: str, *, default: dt.date) -> dt.date:
    value = value or default
    if value > today():
        raise _refuse(field, _("This date is in the future."))
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
            signed[party] = _past_date(item.get("signed_on"), "signatures", default=concluded_on)
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

    Parties default to every party of the case. When neither signatures nor the seal are given
    (the original API body), the agreement is taken to be in force when recorded.
    """
    concluded_on = _past_date(concluded_on, "concluded_on", default=today())
    case_parties: dict[int, Party] = {p.pk: p for p in case.parties.all()}
    party_ids = list(dict.fromkeys(parties)) if parties else list(case_parties)
    strangers = [str(pk) for pk in party_ids if pk not in case_parties]
    if strangers:
        raise _refuse("parties", _("Not a party of this case: %(ids)s") % {"ids": ", ".join(strangers)})
    for obligation in obligations:
        if obligation.get("party") is not None and obligation["party"] not in party_ids:
            raise _refuse("obligations", _("Not a party to this agreement: %(id)s") % {"id": obligation["party"]})
    oral = form == AgreementForm.ORAL
    if oral and (sealed or any(s.get("signed", True) for s in signatures or [])):
        raise _refuse("signatures", _("An oral agreement is recorded by the mediator; it is not signed or sealed."))
    signed = _signatures(signatures or [], party_ids, concluded_on)
    sealed_on = _past_date(sealed_on, "sealed_on", default=concluded_on) if sealed else None

    agreement = Agreement.objects.create(
        case=case, number=f"{case.number}-{case.agreements.count() + 1}", organization=sealing_body(case),
        form=form, facts=facts.strip(), points_in_dispute=points_in_dispute.strip(),
        responsibilities=responsibilities.strip(), terms=terms, concluded_on=concluded_on,
        sealed=bool(sealed), sealed_on=sealed_on, recorded_by=actor,
    )
    signatories = AgreementParty.objects.bulk_create(
        AgreementParty(agreement=agreement, party_id=pk, signed=signed.get(pk) is not None, signed_on=signed.get(pk))
        for pk in party_ids
    )
    Obligation.objects.bulk_create(
        Obligation(agreement=agreement, party_id=o.get("party"), description=o["description"],
                   manner=o.get("manner", ""), place=o.get("place", ""), due_date=o["due_date"])
        for o in obligations
    )
    legacy = signatures is None and sealed is None
    agreement.effective_on = concluded_on if legacy else effective_date(agreement, signatories)
    agreement.save(update_fields=["effective_on"])
    return agreement


def record_signatures(*, agreement: Agreement, signatures: list[dict], sealed: bool = False,
                      sealed_on: dt.date | None = None) -> list[int]:
    """Record parties who have since signed and, if `sealed`, the seal; return the ids of the new signers."""
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
        agreement.sealed, agreement.sealed_on = True, _past_date(sealed_on, "sealed_on", default=today())
    elif not new:
        raise _refuse("signatures", _("Record at least one signature or the committee's seal."))
    agreement.effective_on = effective_date(agreement, signatories)
    agreement.save(update_fields=["sealed", "sealed_on", "effective_on"])
    return new


def time_confirmation_window(*, case: Case, agreement: Agreement) -> None:
    """Count the judicial-confirmation countdown from the day the agreement takes effect.

    The clock starts when the agreement is recorded; it stands still while a written agreement
    waits for a signature or the seal, and is re-based once it is in force.
    """
    window = (CaseDeadline.objects.filter(case=case, kind=DeadlineKind.JUDICIAL_CONFIRMATION, ended_at__isnull=True)
              .order_by("-started_at").first())
    if window is None:
        return
    before = (window.state, window.due_at, window.warn_at)
    if agreement.effective_on is None:
        if window.state == DeadlineState.RUNNING:
            window.state, window.paused_at = DeadlineState.PAUSED, clock.now()
            window.pause_reason = _("Waiting for signatures or the committee's seal.")
    else:
        window.due_at = calendar.add_days(calendar.end_of_day(agreement.effective_on), window.days, window.day_count)
        window.warn_at = calendar.warning_moment(window.started_at, window.due_at)
        window.state, window.paused_at, window.pause_reason = DeadlineState.RUNNING, None, ""
    if (window.state, window.due_at, window.warn_at) != before:
        window.save(update_fields=["state", "paused_at", "pause_reason", "due_at", "warn_at"])
