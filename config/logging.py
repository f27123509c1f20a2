"""Logging filters: what must never reach a log line."""
from __future__ import annotations

import logging


class DropQueryStrings(logging.Filter):
    """Cut the query string off the paths uvicorn logs (access lines, WebSocket handshakes).

    Query strings carry API tokens (`/ws/notifications/?token=…`) and search terms that may
    name a party (`?q=张三`): neither belongs in a log.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("uvicorn") and isinstance(record.args, tuple):
            record.args = tuple(_without_query(arg) for arg in record.args)
        return True


def _without_query(arg):
    if isinstance(arg, str) and "?" in arg and arg.startswith("/"):
        return arg.split("?", 1)[0] + "?…"
    return arg
