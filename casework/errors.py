"""Why a command was refused; the API maps each to its HTTP status."""
from __future__ import annotations


class Refused(Exception):
    status = 400
    code = "invalid"

    def __init__(self, detail: str, *, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.fields = fields or {}


class NotFound(Refused):
    """The case does not exist or lies outside the actor's jurisdiction (the two look the same)."""

    status = 404
    code = "not_found"


class Forbidden(Refused):
    status = 403
    code = "forbidden"


class InvalidTransition(Refused):
    status = 409
    code = "invalid_transition"


class Conflict(Refused):
    """Someone else changed the case between the actor's look at it and the action."""

    status = 409
    code = "conflict"


class InvalidInput(Refused):
    status = 400
    code = "invalid"
