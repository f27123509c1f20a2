from django.urls import path

from reports.api import views

urlpatterns = [
    path("stats/summary/", views.SummaryView.as_view(), name="api-stats-summary"),
    path("reports/ledger/", views.LedgerView.as_view(), name="api-reports-ledger"),
]
