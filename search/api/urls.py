from django.urls import path

from search.api import views

urlpatterns = [
    path("search/cases/", views.SearchView.as_view(), name="api-search-cases"),
    path("search/duplicates/", views.DraftDuplicatesView.as_view(), name="api-search-duplicates"),
    path("cases/<str:case_id>/similar/", views.SimilarView.as_view(), name="api-case-similar"),
    path("cases/<str:case_id>/duplicates/", views.CaseDuplicatesView.as_view(), name="api-case-duplicates"),
]
