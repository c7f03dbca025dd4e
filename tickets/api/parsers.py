"""JSON parsing that answers 400 for every body it cannot read.

DRF's JSONParser turns syntax errors into a 400, but a deeply nested body ("[[[[…") makes
Python's decoder raise RecursionError, which would be a 500. Nesting is refused too."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class SafeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply.") from None
