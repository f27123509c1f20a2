"""The printable agreement (人民调解协议书), A4, in the standard layout."""
from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import render
from django.utils import translation
from django.views import View

from casework import permissions as perms
from casework import validators
from casework.errors import NotFound
from mediation import selectors

# The document is a Chinese legal form whatever the reader's language: its wording is fixed here.
ROLE_LABELS = {"applicant": "申请人", "respondent": "被申请人", "third_party": "第三人"}
GENERIC_BODY = "人民调解委员会"


def _in_chinese(texts) -> list[str]:
    """The printed form stays Chinese whatever the reader's language."""
    with translation.override("zh-hans"):
        return [str(t) for t in texts]


def paragraphs(text: str) -> list[str]:
    """A typed text as the paragraphs of a document: one per non-blank line, each indented when printed."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _int_or_none(raw: str | None) -> int | None:
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise Http404


class AgreementPrintView(LoginRequiredMixin, View):
    """GET /cases/{id}/agreement/print/[?agreement=ID] — the agreement in force (or the one asked
    for), ready to print and sign. 404 outside the viewer's jurisdiction."""

    def get(self, request, case_id):
        try:
            case, agreement = selectors.printable_agreement(
                viewer=request.user, case_id=int(case_id), agreement_id=_int_or_none(request.GET.get("agreement")),
            )
        except (NotFound, ValueError):
            raise Http404
        full = perms.may_see_personal_data(request.user, case)
        parties = [self._party(s, full) for s in agreement.signatories.all()]
        return render(request, "mediation/agreement_print.html", {
            "case": case,
            "agreement": agreement,
            "body_name": agreement.body_name or (agreement.organization.name if agreement.organization else GENERIC_BODY),
            "parties": parties,
            # Only what the agreement says: a blank is left blank (for handwriting), never filled in.
            "facts": paragraphs(agreement.facts),
            "points_in_dispute": paragraphs(agreement.points_in_dispute),
            "responsibilities": paragraphs(agreement.responsibilities),
            "terms": paragraphs(agreement.terms),
            "obligations": list(agreement.obligations.all()),
            "mediators": [m.label for m in agreement.mediators.all()] or [agreement.recorded_by.label],
            "missing": _in_chinese(agreement.missing_contents(list(agreement.obligations.all()))),
            "copies": len(parties) + 1,
        })

    @staticmethod
    def _party(signatory, full: bool) -> dict:
        party = signatory.party
        id_number, phone = party.id_number, party.phone
        if not full:
            id_number = validators.mask_id_number(id_number) if id_number else ""
            phone = validators.mask_phone(phone) if phone else ""
        return {"role": ROLE_LABELS.get(party.role, party.role), "name": party.name, "id_number": id_number,
                "phone": phone, "signed": signatory.signed, "signed_on": signatory.signed_on}

