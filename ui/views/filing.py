"""Filing a case from the grid (登记): idempotent, so a double submit files once."""
from __future__ import annotations

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
    }, status=status)


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
