"""Errors that actions raise and every interface (web, API, CLI) turns into a clear message."""

from __future__ import annotations


class RapportError(Exception):
    """Base class: the message is safe and meant for the person who caused it."""

    status_code = 400
    retry_after: int | None = None  # seconds; sent as Retry-After where set

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationFailed(RapportError):
    status_code = 400


class PermissionDenied(RapportError):
    status_code = 403


class NotFound(RapportError):
    status_code = 404


class Conflict(RapportError):
    status_code = 409


class TooLarge(RapportError):
    status_code = 413


class RateLimited(RapportError):
    """Too many requests; every interface answers 429 with ``Retry-After``."""

    status_code = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
