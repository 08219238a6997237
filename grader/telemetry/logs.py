"""Structured logs: one JSON object per line (``GRADER_LOG_FORMAT=json``), carrying the ids of
what is being done.

``log_context(request_id=..., job_id=...)`` binds fields for the code it wraps (a context
variable, so each request and each worker thread has its own); every record logged inside,
by any logger, carries them. The API binds a ``request_id`` per HTTP request (the client's
``X-Request-ID`` if it sent a sane one, else a new one; echoed in the response), stores it
on the job it queues, and the worker binds the same ``request_id`` with the ``job_id`` and
``submission_id`` while it grades: ``grep`` one id and the submission is followed from HTTP to
worker to result.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

_fields: ContextVar[dict[str, Any] | None] = ContextVar("grader_log_fields", default=None)


def bound() -> dict[str, Any]:
    """The fields bound here (a copy)."""
    return dict(_fields.get() or {})

#: A client's ``X-Request-ID`` is kept only if it looks like an id (no spaces or quotes).
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

#: Attributes every ``LogRecord`` has; others were passed as ``extra=`` and are logged too.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message",
                                                                        "asctime"}


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Bind ``fields`` (those not None) to every record logged inside the block."""
    token = _fields.set({**bound(), **{k: v for k, v in fields.items()
                                             if v is not None}})
    try:
        yield
    finally:
        _fields.reset(token)


def current(name: str) -> Any:
    """The bound value of ``name`` (None if unbound)."""
    return bound().get(name)


def request_id_from(header: str | None) -> str:
    """The client's request id if it is a sane one, else a fresh one."""
    if header and _SANE_ID.match(header):
        return header
    return uuid.uuid4().hex[:16]


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "message", ...bound fields, ...extra, "exc"}``."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        out.update(bound())
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


class TextFormatter(logging.Formatter):
    """``LEVEL logger: message [key=value ...]`` with the bound fields at the end."""

    def format(self, record: logging.LogRecord) -> str:
        text = f"{record.levelname} {record.name}: {record.getMessage()}"
        fields = {**bound(), **{k: v for k, v in vars(record).items()
                                      if k not in _STANDARD and not k.startswith("_")}}
        if fields:
            text += " [" + " ".join(f"{k}={v}" for k, v in fields.items()) + "]"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def configure_logging(fmt: str = "text", level: str = "INFO") -> None:
    """Send every logger's records to stderr as ``fmt`` (``json`` or ``text``), once per
    process (a second call replaces the handler)."""
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_grader", False):
            root.removeHandler(h)
    handler = logging.StreamHandler(sys.stderr)
    handler._grader = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.getLogger("alembic").setLevel(logging.WARNING)  # one line per plugin otherwise
    if fmt == "json":  # uvicorn and Celery records go through the same handler
        for name in ("uvicorn", "uvicorn.error", "celery", "kombu"):
            lg = logging.getLogger(name)
            lg.handlers = []
            lg.propagate = True
