"""The parties' code (解纷码): issued with the filing, revoked (and perhaps reissued) by those handling the case."""
from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from actions.changes import lock_for, record_change
from casework import clock
from casework import permissions as perms
from casework.ladder import EventAction
from casework.models import Case, PartyCode, User
from casework.models.party_codes import new_code


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
