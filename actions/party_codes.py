"""The parties' code (解纷码): issued with the filing, revoked (and perhaps reissued) by those handling the case,
and used by the parties to rate the handling once the case is closed."""
from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from actions.changes import lock_for, record_change
from casework import clock
from casework import permissions as perms
from casework.choices import Satisfaction
from casework.errors import Conflict, InvalidInput
from casework.ladder import EventAction
from casework.models import Case, PartyCode, User
from casework.models.party_codes import new_code
from mediation import progress as party_progress
from mediation.models import COMMENT_MAX_LENGTH, PartyRating


def issue_party_code(case: Case) -> PartyCode:
    """A new code in force for the case, inside the caller's transaction (one insert).

    A clash with an existing code (odds about one in 2**50 per code in use) fails the
    transaction on the unique constraint rather than being retried.
    """
    return PartyCode.objects.create(case=case, code=new_code(), created_at=clock.now())


def case_revoke_party_code(*, case_id: int, actor: User, reissue: bool = False) -> PartyCode | None:
    """Revoke the case's code in force (if any) and, with `reissue`, issue a new one; a case event either way."""
    with transaction.atomic():
        case = lock_for(case_id, actor, may=perms.may_manage_party_code,
                        refusal=_("Only the village committee or the township center handling the case may revoke its code."))
        now = clock.now()
        revoked = PartyCode.objects.in_force().filter(case=case).update(revoked_at=now)
        code = issue_party_code(case) if reissue else None
        record_change(case, actor=actor, action=EventAction.PARTY_CODE_REVOKED,
                      data={"revoked": bool(revoked), "reissued": reissue})
    return code


class CaseStillOpen(Conflict):
    code = "case_open"


class AlreadyRated(Conflict):
    code = "already_rated"


def case_rate_by_party(*, code: str, satisfaction: str, comment: str = "") -> PartyRating:
    """The parties rate the handling of their closed case with its code (群众满意度), once per code.

    The rater is anonymous: the event's actor is the system (None), as for the timers, and it
    records only the answer — not the comment, which the parties may have written names into,
    and nothing about who sent it. 404 for an unknown or revoked code; 409 while the case is open
    (`case_open`) and for a second rating with the same code (`already_rated`: refused, not
    replaced, so what the committee has read does not change under it).
    """
    if satisfaction not in Satisfaction.values:
        raise InvalidInput(_("Choose one of the answers."), fields={"satisfaction": [_("Choose one of the answers.")]})
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        message = _("At most %(n)d characters.") % {"n": COMMENT_MAX_LENGTH}
        raise InvalidInput(message, fields={"comment": [message]})
    with transaction.atomic():
        party_code = party_progress.code_in_force(code)
        case = lock_for(party_code.case_id, None, may=perms.may_manage_party_code, refusal="")
        if case.is_open:
            raise CaseStillOpen(_("The case is still being handled: it can be rated once it is closed."))
        if PartyRating.objects.filter(party_code=party_code).exists():
            raise AlreadyRated(_("This code has already been used to rate the case."))
        rating = PartyRating.objects.create(case=case, party_code=party_code, satisfaction=satisfaction,
                                            comment=comment, rated_at=clock.now())
        record_change(case, actor=None, action=EventAction.PARTY_RATED, data={"satisfaction": satisfaction})
    return rating
