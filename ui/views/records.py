"""The mediation records posted from the case page, and the attachments' thumbnails and downloads.

Each record form calls the same action as its API view, after the same checks in the same order
(404 outside the jurisdiction, 403 for a role that may not, 409 for a state that does not allow
it, then 400 for the input), and answers as `case_act` does: field errors shown again with a
400, a refusal as a message with its status, 404 outside the jurisdiction.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from actions import services
from casework import thumbnails
from casework.errors import InvalidInput, NotFound, Refused
from casework.models import Attachment, Case, User
from mediation.selectors import current_agreement
from ui.forms.records import FORMS, RecordForm
from ui.views.cases import render_case
from ui.views.common import visible_case


def _agreement_kwargs(case: Case) -> dict:
    agreement = current_agreement(case)
    return {"agreement": agreement} if agreement is not None else {}


def _decision_check(case: Case, viewer: User, form: RecordForm) -> None:
    raw = form.data.get(form.add_prefix("request_id"), "")
    services.check_confirmation_decision(case, viewer, int(raw) if raw.isascii() and raw.isdigit() else 0)


@dataclass(frozen=True)
class Record:
    """How one record form is checked before its input is read, which action it calls, what it says."""

    check: Callable[[Case, User, RecordForm], object]
    service: Callable[..., object]
    done: str
    form_kwargs: Callable[[Case], dict] = lambda case: {}
    anchor: str = "records"


RECORDS: dict[str, Record] = {
    "session": Record(lambda c, u, f: services.check_mediation_record(c, u, "session"), services.session_record,
                      gettext_lazy("The mediation session is recorded.")),
    "termination": Record(lambda c, u, f: services.check_mediation_record(c, u, "termination"),
                          services.termination_record, gettext_lazy("The mediation is terminated.")),
    "agreement_complete": Record(lambda c, u, f: services.check_agreement_act(c, u), services.agreement_complete,
                                 gettext_lazy("The agreement is saved."), _agreement_kwargs, "agreement"),
    "agreement_sign": Record(lambda c, u, f: services.check_agreement_act(c, u), services.agreement_sign,
                             gettext_lazy("The signatures and the seal are recorded."), _agreement_kwargs,
                             "agreement"),
    "confirmation_request": Record(lambda c, u, f: services.check_agreement_act(c, u),
                                   services.judicial_confirmation_request,
                                   gettext_lazy("The judicial confirmation request is recorded."), anchor="agreement"),
    "confirmation_decision": Record(_decision_check, services.judicial_confirmation_decide,
                                    gettext_lazy("The court's ruling is recorded."), anchor="agreement"),
    "extend": Record(lambda c, u, f: services.check_extension(c, u), services.case_extend_deadline,
                     gettext_lazy("The deadline is extended."), anchor="deadline"),
    "follow_up": Record(lambda c, u, f: services.check_follow_up(c, u), services.follow_up_record,
                        gettext_lazy("The follow-up visit is recorded.")),
    "attachment": Record(lambda c, u, f: services.check_attach(c, u), services.case_add_attachment,
                         gettext_lazy("The file is attached."), anchor="attachments"),
}


@login_required
@require_POST
def record_post(request, case_id: int, name: str):
    """Send one record form of the case page to its action."""
    if name not in RECORDS:
        raise Http404("No such record.")
    record, case = RECORDS[name], visible_case(request, case_id)
    form = FORMS[name](request.POST, request.FILES, case=case, viewer=request.user, **record.form_kwargs(case))
    try:
        record.check(case, request.user, form)  # refused whatever was typed: 403/409 before 400
        if not form.is_valid():
            messages.error(request, _("Please correct the marked fields."))
            return render_case(request, case, record_bound=form, status=400)
        record.service(case_id=case.pk, actor=request.user, **form.service_kwargs())
    except NotFound:
        raise Http404("No such case.")
    except InvalidInput as exc:
        form.add_service_errors(exc.fields)
        messages.error(request, exc.detail)
        return render_case(request, visible_case(request, case_id), record_bound=form, status=400)
    except Refused as exc:
        messages.error(request, exc.detail)
        return render_case(request, visible_case(request, case_id), status=exc.status)
    messages.success(request, str(record.done))
    return redirect(reverse("ui:case", args=[case.pk]) + f"#{record.anchor}")


def _attachment(request, case_id: int, attachment_id: int) -> Attachment:
    case = visible_case(request, case_id)  # jurisdiction: 404 outside it, as for the case itself
    attachment = case.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404("No such attachment.")
    return attachment


@login_required
@require_GET
def attachment_thumbnail(request, case_id: int, attachment_id: int):
    """A small JPEG of a photo attachment (made once, then kept); 404 for a PDF or an unreadable image."""
    data = thumbnails.thumbnail(_attachment(request, case_id, attachment_id))
    if data is None:
        raise Http404("No thumbnail.")
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def attachment_download(request, case_id: int, attachment_id: int):
    """The file under its original name (RFC 5987 filename* for a Chinese one)."""
    attachment = _attachment(request, case_id, attachment_id)
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type, as_attachment=True,
                            filename=attachment.download_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
