"""Errors that actions raise and every interface (web, API, CLI) turns into a clear message."""

from __future__ import annotations


class RapportError(Exception):
    """Base class: the message is safe and meant for the person who caused it."""

    status_code = 400

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
