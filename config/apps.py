"""App configurations of the project's own."""
from django.contrib.staticfiles.apps import StaticFilesConfig


class StaticFiles(StaticFilesConfig):
    """`collectstatic` leaves out what a package ships for its own build: viewflow's node_modules
    (13 MB, with a stylesheet naming fonts it does not ship, which the manifest storage refuses
    to collect). Nothing a page loads is in there."""

    ignore_patterns = [*StaticFilesConfig.ignore_patterns, "node_modules"]
