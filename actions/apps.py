from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionsConfig(AppConfig):
    """The commands that change a case, spanning casework, mediation and the workflow."""

    name = "actions"
    verbose_name = _("Actions")

    def ready(self) -> None:
        from actions import sweep
        from flows.deadlines import handle_with

        # The deadline sweep acts through this layer, which sits above the workflow.
        handle_with(warning=sweep.warn_batch, breach=sweep.breach_batch)
