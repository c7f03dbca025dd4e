"""One error shape for the whole API: `{"detail": "<what is wrong>", ...}`.

Validation errors add `errors` (messages by field); 409s add what they know (`allowed`
transitions, `current_version`). Nothing here turns a bug into a 4xx: unknown exceptions
still propagate.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ..exceptions import ServiceError


def _flatten(errors, prefix: str = "") -> list[str]:
    if isinstance(errors, dict):
        lines = []
        for field, value in errors.items():
            name = field if field != "non_field_errors" else ""
            lines += _flatten(value, f"{prefix}{name}: " if name else prefix)
        return lines
    if isinstance(errors, list):
        return [line for item in errors for line in _flatten(item, prefix)]
    return [f"{prefix}{errors}"]


def _validation_response(errors) -> Response:
    if not isinstance(errors, dict):
        errors = {"non_field_errors": errors if isinstance(errors, list) else [errors]}
    errors = {k: v if isinstance(v, list) else [v] for k, v in errors.items()}
    detail = "Invalid input. " + " ".join(_flatten(errors))
    return Response({"detail": detail, "errors": errors}, status=status.HTTP_400_BAD_REQUEST)


def exception_handler(exc, context):
    if isinstance(exc, ServiceError):
        return Response({"detail": exc.message, **exc.extra}, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return _validation_response({k: list(v) for k, v in exc.message_dict.items()})
        return _validation_response(exc.messages)
    if isinstance(exc, ValidationError):
        return _validation_response(exc.detail)
    return drf_exception_handler(exc, context)
