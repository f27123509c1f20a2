"""The admin shows the mediation records read-only: only the services write them."""
from __future__ import annotations

import pytest
from django.test import Client

from casework.choices import Status
from mediation.models import (
    Agreement,
    FollowUpVisit,
    JudicialConfirmationRequest,
    MediationSession,
    Referral,
    Termination,
)
from tests.conftest import bring_to, user

RECORDS = [MediationSession, Agreement, Termination, JudicialConfirmationRequest, Referral, FollowUpVisit]


@pytest.fixture
def admin_client(demo) -> Client:
    client = Client()
    client.force_login(user("admin"))
    return client


@pytest.mark.parametrize("model", RECORDS, ids=lambda m: m.__name__)
def test_admin_lists_each_record_and_offers_no_way_to_add_one(demo, admin_client, model):
    # given an administrator, when they open the record's list, then it shows; adding is not offered
    meta = model._meta
    assert admin_client.get(f"/admin/{meta.app_label}/{meta.model_name}/").status_code == 200
    assert admin_client.get(f"/admin/{meta.app_label}/{meta.model_name}/add/").status_code == 403


def test_agreement_page_shows_its_parties_and_obligations_but_cannot_be_changed(demo, admin_client):
    # given an agreement
    case = bring_to(Status.AGREED)
    agreement = case.agreements.get()
    # when the administrator opens it, then it shows read-only, with its parties and obligations
    url = f"/admin/mediation/agreement/{agreement.pk}/change/"
    response = admin_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "张三" in html and "付款" in html
    assert 'name="terms"' not in html
    # and a posted change is refused
    assert admin_client.post(url, {"terms": "篡改"}).status_code == 403
    agreement.refresh_from_db()
    assert agreement.terms == "赔偿维修费800元"
