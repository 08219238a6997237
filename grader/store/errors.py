"""Errors of the service's domain, each with the HTTP status it maps to."""

from __future__ import annotations


class StoreError(Exception):
    """A request cannot be carried out; ``message`` says why and what to do."""

    status: int = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(StoreError):
    """The course, assignment, submission or user does not exist (404)."""

    status = 404


class Forbidden(StoreError):
    """The caller may not do this (403)."""

    status = 403


class Conflict(StoreError):
    """The request clashes with the current state (409): duplicate, not publishable..."""

    status = 409


class Invalid(StoreError):
    """The request's content cannot be used (422)."""

    status = 422


class TooLarge(StoreError):
    """Over a size or count limit (413); the message names the limit."""

    status = 413


class Unauthorized(StoreError):
    """No valid token (401)."""

    status = 401


class TooMany(StoreError):
    """Over a rate or a count of things in progress (429); ``retry_after_seconds`` says
    when trying again can succeed (sent as ``Retry-After``)."""

    status = 429

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = max(1, int(retry_after_seconds))
