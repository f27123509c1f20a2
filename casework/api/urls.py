from django.urls import path

from casework.api import views
from casework.api.auth import TokenView

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("me/", views.MeView.as_view(), name="api-me"),
    path("regions/", views.RegionListView.as_view(), name="api-regions"),
    path("cases/", views.CaseListCreateView.as_view(), name="api-cases"),
    path("cases/<str:case_id>/", views.CaseDetailView.as_view(), name="api-case"),
    path("cases/<str:case_id>/transitions/<str:name>/", views.TransitionView.as_view(), name="api-case-transition"),
    path("cases/<str:case_id>/attachments/", views.AttachmentView.as_view(), name="api-case-attachments"),
    path("cases/<str:case_id>/attachments/<str:attachment_id>/", views.AttachmentDownloadView.as_view(),
         name="api-case-attachment"),
    path("cases/<str:case_id>/party-code/revoke/", views.PartyCodeRevokeView.as_view(),
         name="api-case-party-code-revoke"),
    path("public/progress/<str:party_code>/", views.PublicProgressView.as_view(), name="api-public-progress"),
    path("public/progress/<str:party_code>/rating/", views.PublicRatingView.as_view(), name="api-public-rating"),
    path("cases/<str:case_id>/risk/", views.RiskView.as_view(), name="api-case-risk"),
    path("cases/<str:case_id>/deadline/extend/", views.DeadlineExtendView.as_view(), name="api-case-deadline-extend"),
    path("cases/<str:case_id>/deadline/<str:action>/", views.ClockView.as_view(), name="api-case-clock"),
]
