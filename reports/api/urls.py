from django.urls import path

from reports.api import monthly, views

urlpatterns = [
    path("stats/summary/", views.SummaryView.as_view(), name="api-stats-summary"),
    path("reports/monthly/", monthly.MonthlyReportView.as_view(), name="api-monthly-report"),
    path("reports/monthly/list/", monthly.MonthlyReportListView.as_view(), name="api-monthly-reports"),
    path("reports/ledger/", views.LedgerView.as_view(), name="api-reports-ledger"),
]
