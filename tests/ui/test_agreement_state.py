"""The case page says whether the agreement is in force: never an effective date it does not have."""
from __future__ import annotations

from django.test import Client

from actions import services
from casework import clock
from casework.choices import Status
from tests.conftest import agreement_in_force, bring_to, user
from tests.mediation.support import at


def page(case_id: int) -> str:
    client = Client()
    client.force_login(user("mediator1"))
    return client.get(f"/cases/{case_id}/").content.decode()


def test_a_draft_agreement_shows_as_a_draft_with_what_it_lacks(demo):
    with clock.travel_to(at(2026, 3, 10)):
        case = bring_to(Status.VILLAGE_MEDIATION)
        services.case_record_agreement(case_id=case.pk, actor=user("mediator1"), terms="赔偿800元",
                                       obligations=[{"description": "付款", "due_date": at(2026, 3, 31).date()}])
        html = page(case.pk)
    assert "草稿，尚未生效" in html and "纠纷主要事实" in html and "各方责任" in html
    assert "起生效" not in html


def test_an_unsigned_agreement_is_not_in_force_and_a_signed_one_is(demo):
    with clock.travel_to(at(2026, 3, 10)):
        case = bring_to(Status.VILLAGE_MEDIATION)
        services.case_record_agreement(case_id=case.pk, actor=user("mediator1"),
                                       **agreement_in_force(case, signatures=[], sealed=False))
        assert "待各方当事人签名、调委会盖章" in page(case.pk)
        services.agreement_sign(case_id=case.pk, actor=user("mediator1"),
                                signatures=[{"party": p.pk} for p in case.parties.all()], sealed=True)
        assert "自2026-03-10起生效" in page(case.pk)
