"""The printable agreement (an HTML page). Included at the root; the records' API is mediation.api.urls."""
from django.urls import path

from mediation import views

app_name = "mediation"

urlpatterns = [
    path("cases/<str:case_id>/agreement/print/", views.AgreementPrintView.as_view(), name="agreement-print"),
]
