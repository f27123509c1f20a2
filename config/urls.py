from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from flows.flows import DisputeFlow
from flows.views import ProcessChartView

urlpatterns = [
    path("", include("ui.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("search.api.urls")),  # before cases/<id>/: /cases/{id}/similar/
    path("api/v1/", include("casework.api.urls")),
    path("api/v1/", include("flows.api.urls")),
    path("api/v1/", include("mediation.api.urls")),  # /api/v1/cases/{id}/sessions/ …
    path("", include("mediation.urls")),  # /cases/{id}/agreement/print/
    path("flows/chart/", ProcessChartView.as_view(flow_class=DisputeFlow), name="flow-chart"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
