"""Framing of messages between the grader and the harness (and inside the harness).

A frame is ``MAGIC | u32 header length | u64 body length | header | body`` where the header is
UTF-8 JSON ``{"skel": <codec skeleton>, "sizes": [len(buffer), ...]}`` and the body is the
concatenation of the codec buffers. Readers enforce byte limits: frames may come from code
the grader does not trust.

This module runs inside the sandbox: stdlib and numpy only.
"""

from __future__ import annotations

import json
import os
import struct
from typing import Any

from .codec import CodecError, decode, encode

MAGIC = b"GRF1"
_HEAD = struct.Struct("!4sIQ")
MAX_HEADER = 64 << 20


class ProtocolError(ValueError):
    """A frame stream was malformed, truncated or over its size limit."""


def pack(value: Any, max_bytes: int = 1 << 31) -> bytes:
    """Encode ``value`` as one frame."""
    skel, buffers = encode(value, max_bytes=max_bytes)
    header = json.dumps({"skel": skel, "sizes": [len(b) for b in buffers]},
                        separators=(",", ":")).encode()
    body = b"".join(buffers)
    return _HEAD.pack(MAGIC, len(header), len(body)) + header + body


def _unpack_parts(header: bytes, body: bytes) -> Any:
    try:
        meta = json.loads(header.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ProtocolError(f"frame header is not JSON: {exc}") from exc
    if not isinstance(meta, dict) or not isinstance(meta.get("sizes"), list):
        raise ProtocolError("frame header lacks sizes")
    sizes = meta["sizes"]
    if not all(type(s) is int and s >= 0 for s in sizes) or sum(sizes) != len(body):
        raise ProtocolError("frame buffer sizes do not add up")
    buffers, pos = [], 0
    for s in sizes:
        buffers.append(body[pos:pos + s])
        pos += s
    try:
        return decode(meta.get("skel"), buffers)
    except (CodecError, KeyError, TypeError, RecursionError) as exc:
        raise ProtocolError(f"frame does not decode: {exc}") from exc


class FrameBuffer:
    """Incremental frame parser for bytes arriving from a pipe.

    ``feed`` bytes as they come; ``frames`` yields complete decoded values. ``limit`` caps the
    total bytes accepted; past it, ``ProtocolError`` is raised.
    """

    def __init__(self, limit: int) -> None:
        self.data = bytearray()
        self.limit = limit
        self.received = 0

    def feed(self, chunk: bytes) -> None:
        self.received += len(chunk)
        if self.received > self.limit:
            raise ProtocolError(f"more than {self.limit} bytes of results")
        self.data += chunk

    def frames_one(self) -> Any:
        """The next complete frame, or None if more bytes are needed."""
        if len(self.data) < _HEAD.size:
            return None
        magic, hlen, blen = _HEAD.unpack_from(self.data)
        if magic != MAGIC:
            raise ProtocolError("bad frame magic")
        if hlen > MAX_HEADER or hlen + blen > self.limit:
            raise ProtocolError("frame too large")
        end = _HEAD.size + hlen + blen
        if len(self.data) < end:
            return None
        header = bytes(self.data[_HEAD.size:_HEAD.size + hlen])
        body = bytes(self.data[_HEAD.size + hlen:end])
        del self.data[:end]
        return _unpack_parts(header, body)

    def frames(self) -> list[Any]:
        """All complete frames received so far."""
        out = []
        while True:
            got = self.frames_one()
            if got is None:
                return out
            out.append(got)

    @property
    def pending(self) -> int:
        return len(self.data)


def unpack_prefix(data: bytes, limit: int = 1 << 31) -> tuple[list[Any], str | None]:
    """Decode the frames at the start of ``data`` up to the first damage.

    Returns ``(frames, error)`` where ``error`` describes the damage (None if all was clean).
    """
    buf = FrameBuffer(limit)
    frames: list[Any] = []
    try:
        buf.feed(data)
        while True:
            got = buf.frames_one()
            if got is None:
                break
            frames.append(got)
    except ProtocolError as exc:
        return frames, str(exc)
    if buf.pending:
        return frames, f"{buf.pending} bytes of a truncated frame at the end of the stream"
    return frames, None


def unpack_all(data: bytes, limit: int = 1 << 31) -> list[Any]:
    """Decode every frame in ``data``; trailing partial frames raise ``ProtocolError``."""
    buf = FrameBuffer(limit)
    buf.feed(data)
    frames = buf.frames()
    if buf.pending:
        raise ProtocolError(f"{buf.pending} bytes of a truncated frame at the end of the stream")
    return frames


def read_exact(fd: int, n: int) -> bytes:
    """Read exactly ``n`` bytes from ``fd`` (raises ``ProtocolError`` on early EOF)."""
    out = bytearray()
    while len(out) < n:
        chunk = os.read(fd, min(n - len(out), 1 << 20))
        if not chunk:
            raise ProtocolError(f"stream ended after {len(out)} of {n} bytes")
        out += chunk
    return bytes(out)


def read_frame(fd: int, limit: int = 1 << 31) -> Any:
    """Read one frame from a blocking file descriptor."""
    magic, hlen, blen = _HEAD.unpack(read_exact(fd, _HEAD.size))
    if magic != MAGIC:
        raise ProtocolError("bad frame magic")
    if hlen > MAX_HEADER or hlen + blen > limit:
        raise ProtocolError("frame too large")
    header = read_exact(fd, hlen)
    body = read_exact(fd, blen)
    return _unpack_parts(header, body)


def write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd``."""
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]
