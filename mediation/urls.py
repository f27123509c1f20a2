"""Mediation records under /api/v1/cases/{id}/, and the printable agreement. Included at the root."""
from django.urls import path

from mediation import api, views

app_name = "mediation"

CASE = "api/v1/cases/<str:case_id>/"

urlpatterns = [
    path(f"{CASE}sessions/", api.SessionListView.as_view(), name="sessions"),
    path(f"{CASE}terminations/", api.TerminationView.as_view(), name="terminations"),
    path(f"{CASE}agreements/", api.AgreementListView.as_view(), name="agreements"),
    path(f"{CASE}agreement/signatures/", api.AgreementSignaturesView.as_view(), name="agreement-signatures"),
    path(f"{CASE}judicial-confirmations/", api.ConfirmationRequestListView.as_view(), name="judicial-confirmations"),
    path(f"{CASE}judicial-confirmations/<str:request_id>/result/", api.ConfirmationResultView.as_view(),
         name="judicial-confirmation-result"),
    path(f"{CASE}referrals/", api.ReferralListView.as_view(), name="referrals"),
    path(f"{CASE}referrals/<str:referral_id>/receipt/", api.ReferralReceiptView.as_view(), name="referral-receipt"),
    path("cases/<str:case_id>/agreement/print/", views.AgreementPrintView.as_view(), name="agreement-print"),
]
