"""Errors the services raise; the API and the pages turn each into a clear answer.

Validation problems are django.core.exceptions.ValidationError (400); these are the rest.
"""


class ServiceError(Exception):
    status_code = 400

    def __init__(self, message: str, **extra) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra


class NotPermitted(ServiceError):
    """The actor's role does not allow this (403)."""

    status_code = 403


class TransitionNotAllowed(ServiceError):
    """The ticket's state does not allow this transition; `allowed` lists what does (409)."""

    status_code = 409


class Conflict(ServiceError):
    """Someone else changed the ticket first, or the request is no longer pending (409)."""

    status_code = 409


class IdempotencyKeyReused(ServiceError):
    """The same Idempotency-Key came with a different request body (422)."""

    status_code = 422
