"""The mediation records on the case page: each form calls its action, bad input comes back as a 400
with field errors, a wrong role is refused, another jurisdiction is a 404, and CSRF is enforced."""
from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from PIL import Image

from actions import services
from casework import clock
from casework.choices import Status
from casework.models import Attachment, Case
from mediation.models import FollowUpVisit, JudicialConfirmationRequest, MediationSession, Termination
from tests.conftest import agreement_in_force, bring_to, days_from_today, snapshot
from tests.mediation.support import at
from tests.ui.conftest import Browser, Form, user

RESPONDENT_OBLIGATION = {"description": "支付维修费800元", "due_date": None}


def mediating() -> Case:
    with clock.travel_to(at(2026, 3, 2)):
        return bring_to(Status.VILLAGE_MEDIATION)


def agreed(*, signed: bool = False, complete: bool = True) -> Case:
    """An agreed case whose written agreement is unsigned (complete or a draft), or in force."""
    case = mediating()
    body = agreement_in_force(case)
    if not signed:
        body.pop("signatures"), body.pop("sealed")
    if not complete:
        body = {"terms": body["terms"], "obligations": [{k: v for k, v in o.items() if k != "party"}
                                                       for o in body["obligations"]]}
    services.case_record_agreement(case_id=case.pk, actor=user("mediator1"), **body)
    return case


def record_form(page, case: Case, name: str) -> Form:
    return page.form(f"/cases/{case.pk}/records/{name}/")


def with_token_of(browser: Browser, case: Case, form: Form) -> Form:
    """Another person's form, sent with this browser's own CSRF token (as a forged page would be)."""
    page = browser.get(f"/cases/{case.pk}/")
    token = next(f.value("csrfmiddlewaretoken") for f in page.forms if "csrfmiddlewaretoken" in f.names())
    form.set("csrfmiddlewaretoken", token)
    return form


def now_local() -> str:
    return clock.now().astimezone(at(2026, 1, 1).tzinfo).strftime("%Y-%m-%dT%H:%M")


# --- 调解笔录 -------------------------------------------------------------------------------------


def test_mediator_records_a_session_with_its_attendees(demo):
    case = mediating()
    mediator = Browser("mediator1")
    page = mediator.get(f"/cases/{case.pk}/")
    form = record_form(page, case, "session")
    form.add("session-attendees-2-name", "王村委")
    form.add("session-attendees-2-role", "村干部")
    form.set("session-attendees-TOTAL_FORMS", 3)
    done = mediator.submit(form, **{"session-held_at": now_local(), "session-place": "枫源村调解室",
                                    "session-statements": "申请人称漏水已三月；被申请人同意维修。",
                                    "session-result": "约定下周再调。"})
    assert done.status == 200, done.messages
    session = MediationSession.objects.get(case=case)
    assert session.place == "枫源村调解室" and [a["name"] for a in session.attendees][-1] == "王村委"
    assert len(session.attendees) == 3 and "枫源村调解室" in done


def test_a_session_without_place_is_a_400_with_field_errors_and_nothing_recorded(demo):
    case = mediating()
    mediator = Browser("mediator1")
    before = snapshot(case.pk)
    page = mediator.submit(record_form(mediator.get(f"/cases/{case.pk}/"), case, "session"),
                           **{"session-held_at": now_local(), "session-statements": "陈述", "session-result": "再调"})
    assert page.status == 400
    assert re.search(r'id="rec-session" open', page.html) and "errorlist" in page.html
    assert snapshot(case.pk) == before and not MediationSession.objects.filter(case=case).exists()


def test_a_grid_worker_gets_no_session_form_and_a_forged_one_is_a_403(demo):
    case = mediating()
    form = record_form(Browser("mediator1").get(f"/cases/{case.pk}/"), case, "session")
    grid = Browser("grid1")
    assert not grid.get(f"/cases/{case.pk}/").has_form(f"/cases/{case.pk}/records/session/")
    before = snapshot(case.pk)
    page = grid.submit(with_token_of(grid, case, form), **{"session-held_at": now_local(), "session-place": "村委",
                                                           "session-statements": "x", "session-result": "y"})
    assert page.status == 403 and page.messages
    assert snapshot(case.pk) == before


def test_another_village_mediator_gets_a_404(demo):
    case = mediating()
    form = record_form(Browser("mediator1").get(f"/cases/{case.pk}/"), case, "session")
    other = Browser("mediator2")
    assert other.get(f"/cases/{case.pk}/").status == 404
    form.set("csrfmiddlewaretoken", other.client.cookies["csrftoken"].value)
    assert other.submit(form).status == 404


def test_csrf_is_enforced_on_the_record_forms(demo):
    case = mediating()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user("mediator1"))
    response = client.post(f"/cases/{case.pk}/records/session/", {
        "session-held_at": now_local(), "session-place": "村委", "session-statements": "x", "session-result": "y",
        "session-attendees-TOTAL_FORMS": "0", "session-attendees-INITIAL_FORMS": "0"})
    assert response.status_code == 403
    assert not MediationSession.objects.filter(case=case).exists()


# --- the agreement -------------------------------------------------------------------------------


def test_mediator_completes_a_draft_agreement(demo):
    case = agreed(complete=False)
    mediator = Browser("mediator1")
    form = record_form(mediator.get(f"/cases/{case.pk}/"), case, "agreement_complete")
    respondent = case.parties.get(role="respondent").pk
    page = mediator.submit(form, **{"agreement_complete-facts": "楼上漏水。", "agreement_complete-responsibilities":
                                    "被申请人负全责。", "agreement_complete-obligations-0-party": respondent})
    assert page.status == 200, page.messages
    agreement = case.agreements.get()
    assert agreement.missing_contents() == [] and agreement.obligations.get().party_id == respondent
    assert page.has_form(f"/cases/{case.pk}/records/agreement_sign/")


def test_mediator_records_both_signatures_and_the_seal_and_the_agreement_takes_effect(demo):
    case = agreed()
    mediator = Browser("mediator1")
    page = mediator.get(f"/cases/{case.pk}/")
    assert "未签名" in page and "未盖章" in page
    values = {"agreement_sign-sealed": "on", "agreement_sign-sealed_on": days_from_today(0)}
    for party in case.parties.all():
        values[f"agreement_sign-signed_{party.pk}"] = "on"
        values[f"agreement_sign-signed_on_{party.pk}"] = days_from_today(0)
    done = mediator.submit(record_form(page, case, "agreement_sign"), **values)
    assert done.status == 200, done.messages
    agreement = case.agreements.get()
    assert agreement.in_force and agreement.sealed and agreement.signatories.filter(signed=False).count() == 0
    assert "未签名" not in done and done.has_form(f"/cases/{case.pk}/records/confirmation_request/")


def test_signing_nothing_is_a_400(demo):
    case = agreed()
    mediator = Browser("mediator1")
    before = snapshot(case.pk)
    page = mediator.submit(record_form(mediator.get(f"/cases/{case.pk}/"), case, "agreement_sign"))
    assert page.status == 400 and "errorlist" in page.html
    assert snapshot(case.pk) == before


def test_judicial_confirmation_request_and_ruling(demo):
    case = agreed(signed=True)
    mediator = Browser("mediator1")
    future = mediator.submit(record_form(mediator.get(f"/cases/{case.pk}/"), case, "confirmation_request"),
                             **{"confirmation_request-court": "诸暨市人民法院",
                                "confirmation_request-requested_on": days_from_today(3)})
    assert future.status == 400 and "errorlist" in future.html
    page = mediator.submit(record_form(future, case, "confirmation_request"),
                           **{"confirmation_request-requested_on": ""})
    assert page.status == 200, page.messages
    request = JudicialConfirmationRequest.objects.get(agreement__case=case)
    assert request.court == "诸暨市人民法院" and request.status == "pending"
    ruled = mediator.submit(record_form(page, case, "confirmation_decision"),
                            **{"confirmation_decision-result": "confirmed", "confirmation_decision-decision": "（2026）浙0681民特1号"})
    assert ruled.status == 200, ruled.messages
    request.refresh_from_db()
    assert request.status == "confirmed"


# --- 终止调解, the extension, 回访 -----------------------------------------------------------------


def test_termination_escalates_with_the_routes_advised(demo):
    case = mediating()
    mediator = Browser("mediator1")
    page = mediator.submit(record_form(mediator.get(f"/cases/{case.pk}/"), case, "termination"),
                           **{"termination-reason": "双方分歧过大", "termination-then": "escalate",
                              "termination-advised_channels": ["court", "arbitration"]})
    assert page.status == 200, page.messages
    case.refresh_from_db()
    assert case.status == Status.TOWNSHIP_TRIAGE
    assert Termination.objects.get(case=case).advised_channels == ["court", "arbitration"]


def test_termination_without_routes_is_a_400(demo):
    case = mediating()
    mediator = Browser("mediator1")
    before = snapshot(case.pk)
    page = mediator.submit(record_form(mediator.get(f"/cases/{case.pk}/"), case, "termination"),
                           **{"termination-reason": "双方分歧过大", "termination-then": "escalate"})
    assert page.status == 400 and "errorlist" in page.html
    assert snapshot(case.pk) == before


def test_extension_needs_the_parties_consent_in_the_village(demo):
    case = bring_to(Status.VILLAGE_MEDIATION)  # accepted now: the deadline has not passed
    mediator = Browser("mediator1")
    page = mediator.get(f"/cases/{case.pk}/")
    refused = mediator.submit(record_form(page, case, "extend"), **{"extend-reason": "需等待鉴定结果"})
    assert refused.status == 400 and "errorlist" in refused.html
    done = mediator.submit(record_form(refused, case, "extend"), **{"extend-parties_consent": "on"})
    assert done.status == 200, done.messages
    assert case.deadlines.filter(extended=True).exists()
    assert not done.has_form(f"/cases/{case.pk}/records/extend/")  # once only


def test_follow_up_visits_are_recorded_and_listed(demo):
    case = agreed(signed=True)
    mediator = Browser("mediator1")
    for manner in ("phone", "in_person"):
        page = mediator.submit(record_form(mediator.get(f"/cases/{case.pk}/"), case, "follow_up"),
                               **{"follow_up-visited_at": now_local(), "follow_up-manner": manner,
                                  "follow_up-fulfilled": "yes", "follow_up-satisfaction": "satisfied",
                                  "follow_up-notes": f"{manner}回访"})
        assert page.status == 200, page.messages
    assert list(FollowUpVisit.objects.filter(case=case).values_list("manner", flat=True)) == ["phone", "in_person"]
    assert "电话" in page and "上门" in page


def test_follow_up_with_a_bad_choice_is_a_400_and_grid_worker_has_no_form(demo):
    case = agreed(signed=True)
    mediator = Browser("mediator1")
    page = mediator.submit(record_form(mediator.get(f"/cases/{case.pk}/"), case, "follow_up"),
                           **{"follow_up-visited_at": now_local(), "follow_up-manner": "letter"})
    assert page.status == 400 and not FollowUpVisit.objects.filter(case=case).exists()
    assert not Browser("grid1").get(f"/cases/{case.pk}/").has_form(f"/cases/{case.pk}/records/follow_up/")


# --- attachments ---------------------------------------------------------------------------------


def jpeg(width: int = 800, height: int = 600) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (120, 160, 90)).save(out, "JPEG")
    return out.getvalue()


def upload(browser: Browser, case: Case, name: str, content: bytes):
    page = browser.get(f"/cases/{case.pk}/")
    form = record_form(page, case, "attachment")
    data = form.data()
    data["attachment-file"] = io.BytesIO(content)
    data["attachment-file"].name = name
    return browser.client.post(form.action, data, follow=True)


def test_a_photo_uploaded_without_script_is_shown_as_a_thumbnail_and_downloads_under_its_name(demo):
    case = mediating()
    mediator = Browser("mediator1")
    response = upload(mediator, case, "现场照片.jpg", jpeg())
    assert response.status_code == 200
    attachment = Attachment.objects.get(case=case)
    assert f'/cases/{case.pk}/attachments/{attachment.pk}/thumbnail/' in response.content.decode()
    thumb = mediator.client.get(f"/cases/{case.pk}/attachments/{attachment.pk}/thumbnail/")
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    assert max(Image.open(io.BytesIO(thumb.content)).size) <= 320
    download = mediator.client.get(f"/cases/{case.pk}/attachments/{attachment.pk}/")
    assert download.status_code == 200
    assert "filename*=utf-8''%E7%8E%B0%E5%9C%BA%E7%85%A7%E7%89%87.jpg" in download["Content-Disposition"]
    api = mediator.client.get(f"/api/v1/cases/{case.pk}/attachments/{attachment.pk}/")
    assert "filename*=utf-8''" in api["Content-Disposition"]


def test_a_disguised_file_is_a_400_and_another_jurisdiction_gets_404s(demo):
    case = mediating()
    mediator = Browser("mediator1")
    before = snapshot(case.pk)
    response = upload(mediator, case, "photo.jpg", b"<html><script>alert(1)</script></html>")
    assert response.status_code == 400 and not Attachment.objects.filter(case=case).exists()
    assert snapshot(case.pk) == before
    upload(mediator, case, "photo.jpg", jpeg())
    attachment = Attachment.objects.get(case=case)
    other = Browser("mediator2")
    for tail in ("", "thumbnail/"):
        assert other.client.get(f"/cases/{case.pk}/attachments/{attachment.pk}/{tail}").status_code == 404


@pytest.mark.parametrize("who", ["county1"])
def test_a_supervisor_without_personal_data_gets_no_upload_form(demo, who):
    case = mediating()
    assert not Browser(who).get(f"/cases/{case.pk}/").has_form(f"/cases/{case.pk}/records/attachment/")


def test_a_pdf_gets_an_icon_not_a_thumbnail_and_downloads_as_a_pdf(demo):
    from tests.casework.test_attachments import minimal_pdf

    case = mediating()
    mediator = Browser("mediator1")
    response = upload(mediator, case, "调解申请书.jpg", minimal_pdf())
    attachment = Attachment.objects.get(case=case)
    html = response.content.decode()
    assert 'class="file-icon"' in html and "/thumbnail/" not in html
    assert mediator.client.get(f"/cases/{case.pk}/attachments/{attachment.pk}/thumbnail/").status_code == 404
    download = mediator.client.get(f"/cases/{case.pk}/attachments/{attachment.pk}/")
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].endswith(".pdf")
