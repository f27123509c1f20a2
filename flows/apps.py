from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FlowsConfig(AppConfig):
    name = "flows"
    verbose_name = _("Flows and notifications")

    def ready(self) -> None:
        from casework.record import keep_out_of_record
        from casework.tokens import credentials_revoked
        from flows import realtime

        credentials_revoked.connect(realtime.close_revoked, dispatch_uid="flows.realtime.close_revoked")

        # Hang off a case but are not its record: the workflow's process (viewflow's bookkeeping of
        # tasks and timers, driven by the record), who was told of a change and read it when, and
        # the inbox's projection of the open tasks (derived from the tasks and clocks).
        keep_out_of_record("flows.DisputeProcess", "flows.Notification", "flows.InboxEntry")
