"""Framing of messages between the grader and the harness (and inside the harness).

A frame is ``b"G2" | channel (1 byte) | u32 payload length | payload``; the payload is one value
in the safe binary codec (``codec.py``). The channel byte routes a frame without decoding it:

- ``S``: between the trusted side and the harness's supervisor (session, check begin/end, the
  supervisor's reports);
- ``C``: an operation for the running check's child (the supervisor forwards it as it is);
- ``R``: the child's reply to an operation;
- ``B``: the child asks the trusted side for a block's answer (a call of another TODO, answered
  by the reference outside the sandbox);
- ``A``: the trusted side's answer to a ``B`` frame.

Readers enforce byte limits: frames may come from code the grader does not trust.

This module runs inside the sandbox: stdlib and numpy only.
"""

from __future__ import annotations

import os
import select
import struct
from typing import Any

from .codec import CodecError, decode, encode

MAGIC = b"G2"
HEAD = struct.Struct("<2scI")
CHANNELS = frozenset(b"SCRBA")

SUPERVISOR = b"S"
CHILD_OP = b"C"
CHILD_REPLY = b"R"
BLOCK_CALL = b"B"
BLOCK_ANSWER = b"A"


class ProtocolError(ValueError):
    """A frame stream was malformed, truncated or over its size limit."""


def frame(channel: bytes, payload: bytes) -> bytes:
    """One frame around an already encoded payload."""
    return HEAD.pack(MAGIC, channel, len(payload)) + payload


def pack(value: Any, channel: bytes = SUPERVISOR, max_bytes: int = 1 << 31,
         describer: Any = None) -> bytes:
    """Encode ``value`` as one frame on ``channel``."""
    return frame(channel, encode(value, max_bytes=max_bytes, describer=describer))


def unpack_payload(payload: bytes | memoryview) -> Any:
    """Decode a frame's payload (``ProtocolError`` if it does not decode)."""
    try:
        return decode(payload)
    except CodecError as exc:
        raise ProtocolError(f"frame does not decode: {exc}") from exc


class FrameReader:
    """Incremental frame parser for bytes arriving from a pipe or socket.

    ``feed`` bytes as they come; ``next_raw`` returns ``(channel, payload)`` of the next
    complete frame or None. ``limit`` caps one frame's payload; ``total_limit`` (if given) the
    bytes accepted in all.
    """

    def __init__(self, limit: int, total_limit: int | None = None) -> None:
        self.data = bytearray()
        self.limit = limit
        self.total_limit = total_limit
        self.received = 0

    def feed(self, chunk: bytes) -> None:
        self.received += len(chunk)
        if self.total_limit is not None and self.received > self.total_limit:
            raise ProtocolError(f"more than {self.total_limit} bytes of results")
        self.data += chunk

    def next_raw(self) -> tuple[bytes, bytes] | None:
        if len(self.data) < HEAD.size:
            return None
        magic, channel, length = HEAD.unpack_from(self.data)
        if magic != MAGIC or channel[0] not in CHANNELS:
            raise ProtocolError("bad frame magic")
        if length > self.limit:
            raise ProtocolError(f"a frame of {length} bytes is over the limit of {self.limit}")
        end = HEAD.size + length
        if len(self.data) < end:
            return None
        payload = bytes(self.data[HEAD.size:end])
        del self.data[:end]
        return channel, payload

    def next_frame(self) -> tuple[bytes, Any] | None:
        """``(channel, decoded value)`` of the next complete frame, or None."""
        raw = self.next_raw()
        if raw is None:
            return None
        return raw[0], unpack_payload(raw[1])

    @property
    def pending(self) -> int:
        return len(self.data)


def read_exact(fd: int, n: int) -> bytes:
    """Read exactly ``n`` bytes from ``fd`` (raises ``ProtocolError`` on early EOF)."""
    out = bytearray()
    while len(out) < n:
        chunk = os.read(fd, min(n - len(out), 1 << 20))
        if not chunk:
            raise ProtocolError(f"stream ended after {len(out)} of {n} bytes")
        out += chunk
    return bytes(out)


def read_raw(fd: int, limit: int = 1 << 31) -> tuple[bytes, bytes]:
    """Read one frame from a blocking descriptor: ``(channel, payload)``."""
    magic, channel, length = HEAD.unpack(read_exact(fd, HEAD.size))
    if magic != MAGIC or channel[0] not in CHANNELS:
        raise ProtocolError("bad frame magic")
    if length > limit:
        raise ProtocolError(f"a frame of {length} bytes is over the limit of {limit}")
    return channel, read_exact(fd, length)


def read_frame(fd: int, limit: int = 1 << 31) -> tuple[bytes, Any]:
    """Read and decode one frame from a blocking descriptor: ``(channel, value)``."""
    channel, payload = read_raw(fd, limit)
    return channel, unpack_payload(payload)


def write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd`` (waiting while a non-blocking ``fd`` is full: the
    direct channel is one socket, read non-blocking and written here)."""
    view = memoryview(data)
    while view:
        try:
            n = os.write(fd, view)
        except BlockingIOError:
            select.select([], [fd], [])
            continue
        view = view[n:]
