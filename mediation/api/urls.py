"""The mediation records' endpoints, under /api/v1/cases/{id}/ (included by config.urls)."""
from django.urls import path

from mediation.api import views

urlpatterns = [
    path("cases/<str:case_id>/sessions/", views.SessionListView.as_view(), name="sessions"),
    path("cases/<str:case_id>/terminations/", views.TerminationView.as_view(), name="terminations"),
    path("cases/<str:case_id>/agreements/", views.AgreementListView.as_view(), name="agreements"),
    path("cases/<str:case_id>/agreement/", views.AgreementView.as_view(), name="agreement"),
    path("cases/<str:case_id>/agreement/signatures/", views.AgreementSignaturesView.as_view(), name="agreement-signatures"),
    path("cases/<str:case_id>/judicial-confirmations/", views.ConfirmationRequestListView.as_view(), name="judicial-confirmations"),
    path("cases/<str:case_id>/judicial-confirmations/<str:request_id>/result/", views.ConfirmationResultView.as_view(),
         name="judicial-confirmation-result"),
    path("cases/<str:case_id>/follow-ups/", views.FollowUpListView.as_view(), name="follow-ups"),
    path("cases/<str:case_id>/referrals/", views.ReferralListView.as_view(), name="referrals"),
    path("cases/<str:case_id>/referrals/<str:referral_id>/receipt/", views.ReferralReceiptView.as_view(), name="referral-receipt"),
]
