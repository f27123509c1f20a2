"""Helpers shared by the mediation tests: requests against the real API, and what must stay unchanged."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

from casework import clock
from casework.models import Case
from mediation.models import (
    Agreement,
    AgreementParty,
    JudicialConfirmationRequest,
    MediationSession,
    Referral,
    Termination,
)
from tests.conftest import snapshot

SHANGHAI = ZoneInfo("Asia/Shanghai")
CASES = "/api/v1/cases/"
# Users who cannot see a case of 枫源村 (grid1's village): another township, another village.
OUTSIDE = ("grid2", "mediator2")


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def today() -> dt.date:
    return timezone.localdate(clock.now())


def post(api, who: str, case_id: int, tail: str, body: dict | None = None, **headers):
    return api(who).post(f"{CASES}{case_id}/{tail}", body or {}, format="json", **headers)


def get(api, who: str, case_id: int, tail: str):
    return api(who).get(f"{CASES}{case_id}/{tail}")


def fire(api, who: str, case_id: int, name: str, **body) -> dict:
    response = post(api, who, case_id, f"transitions/{name}/", body)
    assert response.status_code == 200, response.data
    return response.data


def events(case_id: int) -> list[str]:
    return list(Case.objects.get(pk=case_id).events.order_by("seq").values_list("action", flat=True))


def records(case_id: int) -> tuple:
    """The case and every mediation record hanging off it: what a refused request must leave alone."""
    return (
        snapshot(case_id),
        list(MediationSession.objects.filter(case_id=case_id).values_list("pk", flat=True)),
        list(Termination.objects.filter(case_id=case_id).values_list("pk", flat=True)),
        list(Agreement.objects.filter(case_id=case_id).values("pk", "sealed", "sealed_on", "effective_on")),
        list(AgreementParty.objects.filter(agreement__case_id=case_id).values("pk", "signed", "signed_on")),
        list(JudicialConfirmationRequest.objects.filter(agreement__case_id=case_id).values("pk", "status")),
        list(Referral.objects.filter(case_id=case_id).values("pk", "received_at")),
        list(Case.objects.get(pk=case_id).deadlines.values("pk", "state", "due_at", "warn_at", "extended")),
    )
