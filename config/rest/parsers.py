"""The JSON parser: DRF's, hardened so that no request body can turn into a 500."""
from __future__ import annotations

import json

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class StrictJSONParser(JSONParser):
    """Refuses, with a 400, JSON nested past Python's recursion limit and strings holding lone
    surrogates (valid JSON escapes, but not text: they could never be stored or echoed back)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply")
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except (UnicodeEncodeError, RecursionError):
            raise ParseError("JSON parse error - the text is not valid Unicode")
        return data
