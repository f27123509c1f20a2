"""App configurations of the project's own."""
from axes.apps import AppConfig as AxesConfig
from django.contrib.staticfiles.apps import StaticFilesConfig
from django.utils.translation import gettext_lazy as _


class StaticFiles(StaticFilesConfig):
    """`collectstatic` leaves out what a package ships for its own build: viewflow's node_modules
    (13 MB, with a stylesheet naming fonts it does not ship, which the manifest storage refuses
    to collect). Nothing a page loads is in there."""

    ignore_patterns = [*StaticFilesConfig.ignore_patterns, "node_modules"]


class Axes(AxesConfig):
    """django-axes (`axes`) with a name in the admin's language: it has none but its label."""

    verbose_name = _("Sign-in protection")
