import time

from django.apps import AppConfig


class CommitStampConfig(AppConfig):
    name = "bench.commitstamp"

    def ready(self) -> None:
        from flows import realtime

        publish = realtime.publish

        def stamped(pushes):
            now = time.time()
            pushes = list(pushes)
            for _group, event in pushes:
                if "message" in event:
                    event["message"]["bench_committed_at"] = now
            return publish(pushes)

        realtime.publish = stamped
