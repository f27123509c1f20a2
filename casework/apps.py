from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("Casework")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from casework import reference, tokens

        tokens.connect_signals()
        reference.connect_signals()
        connection_created.connect(_sqlite_query_params, dispatch_uid="casework.sqlite_query_params")


def _sqlite_query_params(sender, connection, **kwargs) -> None:
    """Let bulk statements use as many parameters as this SQLite allows (SQLITE_LIMIT_VARIABLE_NUMBER,
    32,766 since 3.32) rather than Django 5.2's fixed 999, as Django 6.0 does: the deadline sweep
    writes a batch's events, case rows and notifications in one statement each, not one per 70 rows."""
    if connection.vendor != "sqlite":
        return
    import sqlite3

    connection.features.max_query_params = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
