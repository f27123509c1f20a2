"""Filing a case from the grid (登记): idempotent, so a double submit files once."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from actions import services
from casework.choices import Status
from casework.errors import InvalidInput, Refused
from ui import presenters, selectors
from ui.access import page_for
from ui.forms.filing import FilingForm, party_formset


@page_for("ui:file_case")
def file_case(request):
    grids = selectors.filing_grids(request.user)
    if not grids.exists():
        return render(request, "ui/file_case.html", {"refused": True}, status=403)
    if request.method == "POST":
        form, parties = FilingForm(request.POST, grids=grids), party_formset(request.POST)
        if form.is_valid() and parties.is_valid():
            try:
                case, created = services.case_file(
                    actor=request.user, data=form.case_input(parties.parties()),
                    idempotency_key=form.cleaned_data["idempotency_key"],
                )
            except InvalidInput as exc:
                for field, errors in exc.fields.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
                messages.error(request, exc.detail)
                return _page(request, form, parties, status=400)
            except Refused as exc:
                messages.error(request, exc.detail)
                return _page(request, form, parties, status=exc.status)
            if created:
                messages.success(request, _("Filed as case %(number)s.") % {"number": case.number})
            else:
                messages.info(request, _("This form was already sent: it is case %(number)s, filed once.")
                              % {"number": case.number})
            return redirect(reverse("ui:case", args=[case.pk]) + "?filed=1")
        messages.error(request, _("Please correct the marked fields."))
        return _page(request, form, parties, status=400)
    return _page(request, FilingForm(grids=grids), party_formset())


def _page(request, form, parties, *, status: int = 200):
    return render(request, "ui/file_case.html", {
        "form": form, "parties": parties, "duplicate_check": _duplicate_check(form),
        "offline": _offline(request),
    }, status=status)


def _offline(request) -> dict:
    """What offline.js needs to keep drafts on the tablet and send them when the network returns:
    whose drafts these are, where to send them (the API, with the draft's Idempotency-Key), and
    the words it shows (it has no catalogue of its own)."""
    return {
        "user": request.user.username,
        "cases_url": reverse("api-cases"),
        "attachments_url": reverse("api-case-attachments", args=[0]),
        "case_url": reverse("ui:case", args=[0]),
        "login_url": reverse("ui:login") + "?next=" + reverse("ui:file_case"),
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "texts": {
            "untitled": _("Untitled draft"),
            "open": _("Open the draft"),
            "editing": _("Being edited"),
            "delete": _("Delete"),
            "remove": _("Remove from the list"),
            "confirm_delete": _("Delete this draft? What it holds is removed from this tablet."),
            "photos": _("{n} photo(s)"),
            "saved": _("Saved on this tablet at {time}."),
            "needs_fixing": _("Needs correcting"),
            "online": _("Online. Drafts are kept on this tablet as you type."),
            "offline": _("No network. Drafts are kept on this tablet; cases are sent when the network returns."),
            "waiting": _("Waiting for the network"),
            "sending": _("Sending…"),
            "retry": _("Not sent yet; it will be tried again."),
            "photos_pending": _("Filed as {number}; photos still to send"),
            "sign_in": _("You are signed out: sign in again, and what is waiting will be sent."),
            "sign_in_link": _("Sign in"),
            "queued": _("No network: the case is waiting to be sent, and will be sent when the network returns."),
            "rejected": _("The case was not filed: correct the marked fields and send it again."),
            "filed": _("Filed as {number}"),
            "photo_refused": _("A photo was not accepted ({name}): {reason}"),
            "remove_photo": _("Remove the photo"),
            "photo_alt": _("Photo {n} of the draft"),
        },
    }


def _duplicate_check(form: FilingForm) -> dict:
    """What ui.js needs to warn of likely duplicates while the form is filled in: the API to ask
    (POST /api/v1/search/duplicates/), the grids' codes by the form's values, and the words it
    shows (it has no catalogue of its own)."""
    return {
        "url": reverse("api-search-duplicates"),
        "grids": {str(pk): code for pk, code in form.fields["grid"].queryset.values_list("pk", "code")},
        "case_url": reverse("ui:case", args=[0]),
        "statuses": dict(Status.choices),
        "reasons": {key: str(label) for key, label in presenters.DUPLICATE_REASONS.items()},
        "filed": _("Filed"),
    }
