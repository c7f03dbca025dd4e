"""The API's contract names its refusals too, not only its successes.

drf-spectacular documents the answer a view gives when all goes well. Clients (and the
fuzzing test, tests/security/test_fuzz_api.py) also need to know which refusals an
operation can give, and their shape: the one error body of `tickets.api.errors`. This
schema class adds them to every operation from what the view is, so a new endpoint gets
them without anyone remembering to write them:

- 400 when the operation takes a body or query parameters (validation, malformed JSON);
- 403 always: a missing, wrong or revoked token, or a role the view does not allow (the
  session authenticator comes first, so DRF answers 403 rather than 401);
- 404 when the path names an object, or the list is paginated (a stale or forged cursor);
- 409 for a POST on an object (the ticket or request changed state, or another agent was
  first: `tickets.exceptions.Conflict`, `TransitionNotAllowed`);
- 415 when the operation takes a body: a media type it does not parse, or a multipart body
  so broken its type cannot be read (schemathesis found this one);
- 422 when the operation takes an `Idempotency-Key` (the key came with another body);
- 429 with `Retry-After` when the view is rate limited;
- 503 with `Retry-After` always: the database cannot be reached (`config.errors`).

A code the view's own `@extend_schema` declares is left as the view wrote it.
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ApiErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What is wrong, in words a person can act on.")
    errors = serializers.DictField(
        required=False, help_text="Validation messages by field (400 only)."
    )


ERROR_DESCRIPTIONS = {
    "400": "The input is not valid; `errors` lists the messages by field.",
    "403": "Not logged in, an invalid token, or a role that may not do this.",
    "404": "No such object visible to this user (or a stale page cursor).",
    "409": "The object changed first (another agent, or its state no longer allows this).",
    "415": "The body's media type is not one this operation accepts.",
    "422": "This Idempotency-Key was already used with a different request body.",
    "429": "Too many requests; try again after `Retry-After` seconds.",
    "503": "The database cannot be reached; try again after `Retry-After` seconds.",
}


class ApiAutoSchema(AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        for code in self._error_codes(operation):
            if code not in responses:
                answer = OpenApiResponse(ApiErrorSerializer, ERROR_DESCRIPTIONS[code])
                responses[code] = self._get_response_for_code(answer, code)
        return operation

    def _error_codes(self, operation: dict) -> list[str]:
        parameters = operation.get("parameters", [])
        has_query = any(p.get("in") == "query" for p in parameters)
        names_object = any(p.get("in") == "path" for p in parameters)
        codes = ["403", "503"]
        takes_body = self.method in ("POST", "PUT", "PATCH")
        if takes_body or has_query:
            codes.append("400")
        if takes_body:
            codes.append("415")
        paginated = getattr(self.view, "pagination_class", None) and self._is_list_view()
        if names_object or paginated:
            codes.append("404")
        if self.method == "POST" and names_object:
            codes.append("409")
        if any(p.get("in") == "header" and p["name"] == "Idempotency-Key" for p in parameters):
            codes.append("422")
        if getattr(self.view, "throttle_classes", None):
            codes.append("429")
        return sorted(codes)
