from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo county of the public contract and its generated past cases (`load_demo`)."""

    name = "demo"
    verbose_name = _("Demo data")

    def ready(self) -> None:
        from casework.record import keep_out_of_record

        # Which cases load_demo filed is bookkeeping of the loader, not part of a case's record.
        keep_out_of_record("demo.DemoCase")
