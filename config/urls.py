from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from ui.access import page_for
from ui.views.flow import FlowChartView

urlpatterns = [
    path("", include("ui.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("search.api.urls")),  # before cases/<id>/: /cases/{id}/similar/
    path("api/v1/", include("casework.api.urls")),
    path("api/v1/", include("reports.api.urls")),
    path("api/v1/", include("flows.api.urls")),
    path("api/v1/", include("mediation.api.urls")),  # /api/v1/cases/{id}/sessions/ …
    path("", include("mediation.urls")),  # /cases/{id}/agreement/print/
    # viewflow's SVG styles itself inline; it is an image with no script, so that is all it may do.
    path("flows/chart/", csp_replace({"style-src": [SELF, UNSAFE_INLINE]})(
        FlowChartView.as_view()), name="flow-chart"),
    # The schema stays public: it describes the API's shape, the same in every deployment and in
    # the source, and holds no data; integrators generate clients from it before they have tokens.
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The docs are a console to call the API with one's session: administrators only, who connect
    # other systems (ui/access.py). The split view loads its script from a URL (no inline script
    # under the Content-Security-Policy).
    path("api/docs/", page_for("api-docs")(SpectacularSwaggerSplitView.as_view(
        url_name="api-schema", template_name="ui/api_docs.html")), name="api-docs"),
]

handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
