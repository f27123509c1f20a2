from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo county of the public contract and its generated past cases (`load_demo`)."""

    name = "demo"
    verbose_name = _("Demo data")
