"""The case page and the actions posted from it: transitions, the deadline clock, the risk level."""
from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from actions import services
from casework import ladder, thumbnails
from casework import permissions as perms
from casework.choices import DeadlineState, RiskLevel
from casework.clock import now as clock_now
from casework.errors import Conflict, InvalidInput, NotFound, Refused
from casework.ladder import TRANSITIONS
from casework.models import Case, PartyCode
from flows import queues
from mediation import progress as party_progress
from search.query import SearchUnavailable
from ui import presenters, selectors
from ui.forms.records import RecordForm, record_forms
from ui.forms.risk import RiskForm
from ui.forms.transitions import DANGER, FORMS, PauseForm, ResumeForm, TransitionForm, transition_form
from ui.views.common import safe_next, visible_case


def render_case(request, case: Case, *, bound: TransitionForm | None = None, pause_form: PauseForm | None = None,
                risk_form: RiskForm | None = None, record_bound: RecordForm | None = None, status: int = 200):
    """The case page; `bound` is a form the viewer just submitted, shown again with their input."""
    viewer = request.user
    names = ladder.allowed_transitions(case, viewer)
    actions = []
    for name in names:
        form = bound if bound is not None and bound.name == name else transition_form(name, case=case, viewer=viewer)
        actions.append({"name": name, "label": TRANSITIONS[name].label, "form": form, "danger": name in DANGER,
                        "open": form is bound})
    personal_data = perms.may_see_personal_data(viewer, case)
    clock = selectors.stage_clock(case)
    task = selectors.stage_task(case)
    my_queues = {str(org.pk) for org in queues.queue_organizations(viewer)} if task else set()
    try:
        similar, similar_unavailable = selectors.similar_past_cases(viewer, case), False
    except SearchUnavailable:
        similar, similar_unavailable = [], True
    context = {
        "case": case,
        "region_names": _region_names(case),
        "parties": presenters.party_rows(case, personal_data=personal_data),
        "personal_data": personal_data,
        "clock": clock,
        "countdown": presenters.countdown(clock),
        "confirmation": presenters.countdown(selectors.confirmation_clock(case)),
        "may_manage_clock": case.is_open and clock is not None and ladder.may_pause(case, viewer),
        "clock_paused": clock is not None and clock.state_at(clock_now()) == DeadlineState.PAUSED,
        "pause_form": pause_form or PauseForm(prefix="pause"),
        "resume_form": ResumeForm(prefix="resume"),
        "timeline": presenters.timeline(list(case.events.all())),
        "records": presenters.mediation_records(case, personal_data=personal_data),
        "agreement": (agreement := presenters.current_agreement(case)),
        "agreement_missing": agreement.missing_contents() if agreement else [],
        "duplicates": [{"case": d.case, "reason": presenters.DUPLICATE_REASONS.get(d.reason, d.reason)}
                       for d in selectors.case_duplicates(viewer, case)],
        "may_merge": "merge" in names,
        "similar": similar,
        "similar_unavailable": similar_unavailable,
        "just_filed": request.GET.get("filed") == "1",
        "actions": actions,
        "task": task,
        "task_in_my_queue": task is not None and task.owner_permission_obj_pk in my_queues,
        "mediators": list(case.mediators.all()),
        "risk_form": risk_form or (RiskForm(case=case) if _may_raise_risk(case, viewer) else None),
        "receipt": _receipt(request, case) if perms.may_manage_party_code(case, viewer) else None,
        "record_forms": record_forms(case, viewer, record_bound),
        "attachments": [{"obj": a, "thumbnail": thumbnails.has_thumbnail(a), "kind": a.file.name.rsplit(".", 1)[-1].upper()}
                        for a in case.attachments.all()],
        "party_ratings": list(case.party_ratings.all()),
    }
    return render(request, "ui/case.html", context, status=status)


def _receipt(request, case: Case, *, scale: int = 4) -> dict | None:
    """The parties' code (解纷码) in force and a QR code of their page's address, as inline SVG."""
    code = PartyCode.objects.in_force().filter(case=case).first()
    if code is None:
        return None
    url = request.build_absolute_uri(reverse("ui:progress", args=[code.display]))
    qr = segno.make(url, error="m")
    return {"code": code.display, "url": url, "qr": mark_safe(qr.svg_inline(scale=scale, title=code.display))}


@login_required
def case_receipt(request, case_id: int):
    """The printable receipt (回执) handed to the parties: the case number, the filing date, the code
    and its QR code, and what they can do with it — nothing about the dispute or the other party.

    Only for those who may revoke the code (the committee or center handling the case); printed in
    Chinese whatever the reader's language, like the agreement.
    """
    case = visible_case(request, case_id)
    if not perms.may_manage_party_code(case, request.user):
        raise PermissionDenied("Only those handling the case print its receipt.")
    with translation.override("zh-hans"):
        receipt = _receipt(request, case, scale=6)
        if receipt is None:
            raise Http404("No code is in force.")
        return render(request, "ui/receipt.html", {
            "case": case, "receipt": receipt, "filed_on": timezone.localdate(case.created_at),
            "handled_by": party_progress.progress(receipt["code"]).handled_by,
        })


def _may_raise_risk(case: Case, viewer) -> bool:
    return case.is_open and case.risk_level != RiskLevel.HIGH and perms.may_raise_risk(case, viewer)


def _region_names(case: Case) -> list[str]:
    names, region = [], case.region
    while region is not None:
        names.append(region.name)
        region = region.parent
    return list(reversed(names))


@login_required
def case_page(request, case_id: int):
    return render_case(request, visible_case(request, case_id))


def _posted_version(form: TransitionForm) -> int | None:
    raw = form.data.get(form.add_prefix("seen_version"), "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 10 else None


def _rebound(form: TransitionForm, case: Case) -> TransitionForm:
    """The viewer's input again, against the case as it is now (its current version)."""
    data = form.data.copy()
    data[form.add_prefix("seen_version")] = str(case.version)
    return transition_form(form.name, case=case, viewer=form.viewer, data=data)


@login_required
@require_POST
def case_act(request, case_id: int, name: str):
    """Fire one transition through its casework service; refusals come back as messages."""
    if name not in FORMS:
        raise Http404("No such action.")
    case = visible_case(request, case_id)
    form = transition_form(name, case=case, viewer=request.user, data=request.POST)
    try:
        # Role, stale view and state first, as the API does: a refused action reads as 403/409
        # whatever was typed; the service checks again under the row lock.
        services.check_transition(case, request.user, name, _posted_version(form))
        if not form.is_valid():
            messages.error(request, _("Please correct the marked fields."))
            return render_case(request, case, bound=form, status=400)
        services.SERVICES[name](case_id=case.pk, actor=request.user, seen_version=form.cleaned_data["seen_version"],
                       **form.service_kwargs())
    except NotFound:
        raise Http404("No such case.")
    except InvalidInput as exc:
        form.add_service_errors(exc.fields)
        messages.error(request, exc.detail)
        return render_case(request, visible_case(request, case_id), bound=form, status=400)
    except Refused as exc:
        messages.error(request, exc.detail)
        if isinstance(exc, Conflict):
            messages.info(request, _("The page now shows the case as it is: check it, then send your form again."))
        fresh = visible_case(request, case_id)
        return render_case(request, fresh, bound=_rebound(form, fresh), status=exc.status)
    messages.success(request, _("Done: %(action)s.") % {"action": TRANSITIONS[name].label})
    return redirect(safe_next(request, reverse("ui:case", args=[case.pk])))


@login_required
@require_POST
def case_clock(request, case_id: int, action: str):
    """Pause the current stage's clock with a reason (a party unreachable…), or resume it."""
    case = visible_case(request, case_id)
    pause_form = None
    try:
        services.check_clock(case, request.user)
        if action == "pause":
            pause_form = PauseForm(request.POST, prefix="pause")
            if not pause_form.is_valid():
                messages.error(request, _("Please correct the marked fields."))
                return render_case(request, case, pause_form=pause_form, status=400)
            services.case_pause_clock(case_id=case.pk, actor=request.user, reason=pause_form.cleaned_data["reason"])
            messages.success(request, _("The deadline is paused."))
        elif action == "resume":
            resume_form = ResumeForm(request.POST, prefix="resume")
            note = resume_form.cleaned_data["note"] if resume_form.is_valid() else ""
            services.case_resume_clock(case_id=case.pk, actor=request.user, note=note)
            messages.success(request, _("The deadline runs again."))
        else:
            raise Http404("No such action.")
    except NotFound:
        raise Http404("No such case.")
    except Refused as exc:
        messages.error(request, exc.detail)
        status = 400 if isinstance(exc, InvalidInput) else exc.status
        return render_case(request, visible_case(request, case_id), pause_form=pause_form, status=status)
    return redirect("ui:case", case_id=case.pk)


@login_required
@require_POST
def case_risk(request, case_id: int):
    """Raise the case's risk level with a reason; to high, the case is fast-tracked to the township."""
    case = visible_case(request, case_id)
    form = RiskForm(request.POST, case=case)
    raw = request.POST.get("risk-seen_version", "")
    seen = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 10 else None
    try:
        services.check_risk(case, request.user, seen)
        if not form.is_valid():
            messages.error(request, _("Please correct the marked fields."))
            return render_case(request, case, risk_form=form, status=400)
        services.case_raise_risk(case_id=case.pk, actor=request.user, seen_version=seen, **form.cleaned_data)
    except NotFound:
        raise Http404("No such case.")
    except Refused as exc:
        messages.error(request, exc.detail)
        status = 400 if isinstance(exc, InvalidInput) else exc.status
        fresh = visible_case(request, case_id)
        return render_case(request, fresh, risk_form=RiskForm(request.POST, case=fresh), status=status)
    messages.success(request, _("The risk level is raised."))
    return redirect("ui:case", case_id=case.pk)


@login_required
@require_POST
def case_party_code(request, case_id: int):
    """Revoke the parties' code (解纷码) and issue a new one, e.g. when it reached the wrong hands."""
    case = visible_case(request, case_id)
    try:
        services.case_revoke_party_code(case_id=case.pk, actor=request.user, reissue=True)
    except NotFound:
        raise Http404("No such case.")
    except Refused as exc:
        messages.error(request, exc.detail)
        return render_case(request, visible_case(request, case_id), status=exc.status)
    messages.success(request, _("The old code no longer works; give the parties the new one."))
    return redirect(reverse("ui:case", args=[case.pk]) + "#receipt")
