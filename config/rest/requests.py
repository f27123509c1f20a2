"""What every endpoint reads the same way from a request: the If-Match case version and ids in the path."""
from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

from casework.errors import NotFound

IF_MATCH_HEADER = OpenApiParameter(
    "If-Match", str, OpenApiParameter.HEADER, required=False,
    description="The case `version` the client acted on; a stale one gets 409 conflict.",
)


def if_match(request) -> int | None:
    """The case version the client says it acted on (`If-Match`, as the ETag gave it); None when it
    does not say, or says any version will do (`*`, RFC 9110)."""
    header = request.headers.get("If-Match", "").strip().removeprefix("W/").strip('"')
    if not header or header == "*":
        return None
    if not (header.isascii() and header.isdigit() and len(header) <= 10):
        raise ValidationError({"If-Match": [_("Send the case version as a number.")]})
    return int(header)


def path_id(raw, missing: str) -> int:
    """An id from the URL; anything but digits is a 404 saying `missing`."""
    raw = str(raw)
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        raise NotFound(missing)
    return int(raw)
