from django.apps import AppConfig


class FlowsConfig(AppConfig):
    name = "flows"

    def ready(self) -> None:
        from casework.tokens import credentials_revoked
        from flows import realtime

        credentials_revoked.connect(realtime.close_revoked, dispatch_uid="flows.realtime.close_revoked")
