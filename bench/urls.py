"""The production URLconf plus the bare baseline endpoint."""
from django.urls import include, path

from bench.bareapp.views import bare_insert

urlpatterns = [
    path("bench/bare/", bare_insert, name="bench-bare"),
    path("", include("config.urls")),
]
