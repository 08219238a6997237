"""Safe value encoding shared by the harness (inside the sandbox) and the grader.

A value is turned into a JSON-able *skeleton* plus a list of raw byte buffers. No pickle,
no code: the decoder accepts only plain data (None, bool, int, float, str, bytes, list,
tuple, dict with string keys, numeric numpy arrays). Everything else is encoded as an
``Unsupported`` marker naming its type, so the scorer can say "your function returned a
<type>" instead of trusting a foreign object.

This module runs inside the sandbox: stdlib and numpy only.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

#: numpy dtype kinds that may cross the boundary (bool, signed, unsigned, float, complex).
ALLOWED_KINDS = frozenset("biufc")
MAX_DEPTH = 32
MAX_ITEMS = 200_000
MAX_STR = 1_000_000


class CodecError(ValueError):
    """Raised when a value or a skeleton cannot be encoded or decoded safely."""


class Unsupported:
    """Stands for a value that could not cross the sandbox boundary.

    Attributes:
        type_name: the qualified name of the value's type (e.g. ``"MyArray"``).
        detail: why it was refused (e.g. ``"object dtype"``).
    """

    __slots__ = ("type_name", "detail")

    def __init__(self, type_name: str, detail: str = "") -> None:
        self.type_name = type_name
        self.detail = detail

    def __repr__(self) -> str:
        return f"Unsupported({self.type_name!r}, {self.detail!r})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Unsupported)
            and other.type_name == self.type_name
            and other.detail == self.detail
        )

    def __hash__(self) -> int:
        return hash((self.type_name, self.detail))


def _type_name(value: object) -> str:
    t = type(value)
    mod = getattr(t, "__module__", "") or ""
    name = getattr(t, "__qualname__", None) or getattr(t, "__name__", "?")
    return name if mod in ("builtins", "") else f"{mod}.{name}"


def _float_skel(x: float) -> dict:
    if math.isnan(x):
        return {"t": "float", "v": "nan"}
    if math.isinf(x):
        return {"t": "float", "v": "inf" if x > 0 else "-inf"}
    return {"t": "float", "v": float.hex(x)}


def _float_unskel(v: str) -> float:
    if v in ("nan", "inf", "-inf"):
        return float(v)
    return float.fromhex(v)


class _Encoder:
    def __init__(self, max_bytes: int) -> None:
        self.buffers: list[bytes] = []
        self.total = 0
        self.items = 0
        self.max_bytes = max_bytes

    def _count(self) -> None:
        self.items += 1
        if self.items > MAX_ITEMS:
            raise CodecError(f"value has more than {MAX_ITEMS} items")

    def _buffer(self, data: bytes) -> int:
        self.total += len(data)
        if self.total > self.max_bytes:
            raise CodecError(f"value is larger than {self.max_bytes} bytes")
        self.buffers.append(data)
        return len(self.buffers) - 1

    def array(self, value: np.ndarray) -> dict:
        if type(value) is not np.ndarray:
            # A subclass may override arithmetic or comparison; it never crosses over.
            return {"t": "unsupported", "type": _type_name(value), "detail": "ndarray subclass"}
        kind = value.dtype.kind
        if kind not in ALLOWED_KINDS:
            return {"t": "unsupported", "type": "numpy.ndarray", "detail": f"dtype {value.dtype}"}
        plain = np.array(value, copy=True, subok=False, order="C")
        dt = plain.dtype.newbyteorder("<") if plain.dtype.byteorder == ">" else plain.dtype
        plain = plain.astype(dt, copy=False)
        return {
            "t": "ndarray",
            "dtype": plain.dtype.str,
            "shape": [int(s) for s in plain.shape],
            "buf": self._buffer(plain.tobytes()),
        }

    def encode(self, value: Any, depth: int = 0) -> dict:
        self._count()
        if depth > MAX_DEPTH:
            raise CodecError(f"value is nested deeper than {MAX_DEPTH} levels")
        if value is None:
            return {"t": "none"}
        if value is True or value is False:
            return {"t": "bool", "v": bool(value)}
        t = type(value)
        if t is int:
            if abs(value) > 2**63:
                return {"t": "float", "v": _float_skel(float(value))["v"]}
            return {"t": "int", "v": int(value)}
        if t is float:
            return _float_skel(value)
        if t is str:
            if len(value) > MAX_STR:
                raise CodecError("string too long")
            return {"t": "str", "v": value}
        if t is bytes:
            return {"t": "bytes", "buf": self._buffer(value)}
        if isinstance(value, np.ndarray):
            return self.array(value)
        if isinstance(value, np.generic):
            if value.dtype.kind in ALLOWED_KINDS:
                return {**self.array(np.asarray(value)), "scalar": True}
            return {"t": "unsupported", "type": _type_name(value), "detail": f"dtype {value.dtype}"}
        if t is list or t is tuple:
            return {
                "t": "list" if t is list else "tuple",
                "items": [self.encode(v, depth + 1) for v in value],
            }
        if t is dict:
            items = []
            for k, v in value.items():
                if type(k) is not str:
                    items.append([f"<{_type_name(k)} key {k!r:.40}>", self.encode(v, depth + 1)])
                else:
                    items.append([k, self.encode(v, depth + 1)])
            return {"t": "dict", "items": items}
        if t is Unsupported:  # already a marker (re-encoding a decoded frame)
            return {"t": "unsupported", "type": value.type_name, "detail": value.detail}
        # Subclasses of builtins (a float subclass with a lying __eq__, say) are refused.
        return {"t": "unsupported", "type": _type_name(value), "detail": ""}


def encode(value: Any, max_bytes: int = 1 << 30) -> tuple[dict, list[bytes]]:
    """Encode ``value`` into ``(skeleton, buffers)``.

    Raises:
        CodecError: the value is too deep, too large or has too many items.
    """
    enc = _Encoder(max_bytes)
    skel = enc.encode(value)
    return skel, enc.buffers


def _check_dtype(text: object) -> np.dtype:
    if not isinstance(text, str) or len(text) > 8:
        raise CodecError(f"bad dtype {text!r}")
    try:
        dt = np.dtype(text)
    except TypeError as exc:
        raise CodecError(f"bad dtype {text!r}") from exc
    if dt.kind not in ALLOWED_KINDS or dt.hasobject or dt.fields is not None or dt.itemsize > 32:
        raise CodecError(f"dtype {text!r} is not allowed")
    return dt


def decode(skel: Any, buffers: list[bytes], depth: int = 0) -> Any:
    """Rebuild a value from ``(skeleton, buffers)``; arrays are fresh writable copies.

    Raises:
        CodecError: the skeleton is malformed (it may come from untrusted code).
    """
    if depth > MAX_DEPTH + 1:
        raise CodecError("skeleton nested too deeply")
    if not isinstance(skel, dict):
        raise CodecError("skeleton node is not an object")
    t = skel.get("t")
    if t == "none":
        return None
    if t == "bool":
        return bool(skel["v"])
    if t == "int":
        v = skel["v"]
        if type(v) is not int:
            raise CodecError("int node without an int")
        return v
    if t == "float":
        v = skel["v"]
        if not isinstance(v, str):
            raise CodecError("float node without a hex string")
        try:
            return _float_unskel(v)
        except ValueError as exc:
            raise CodecError(f"bad float {v!r}") from exc
    if t == "str":
        v = skel["v"]
        if not isinstance(v, str):
            raise CodecError("str node without a string")
        return v
    if t == "bytes":
        return bytes(_buf(skel, buffers))
    if t == "ndarray":
        dt = _check_dtype(skel.get("dtype"))
        shape = skel.get("shape")
        if not isinstance(shape, list) or len(shape) > 32:
            raise CodecError("bad shape")
        if not all(type(s) is int and 0 <= s < 2**40 for s in shape):
            raise CodecError("bad shape")
        data = _buf(skel, buffers)
        count = math.prod(shape)
        if count * dt.itemsize != len(data):
            raise CodecError("array buffer size does not match its shape")
        arr = np.frombuffer(data, dtype=dt, count=count).reshape(shape).copy()
        if skel.get("scalar"):
            return arr[()]
        return arr
    if t in ("list", "tuple"):
        items = skel.get("items")
        if not isinstance(items, list):
            raise CodecError("list node without items")
        out = [decode(v, buffers, depth + 1) for v in items]
        return out if t == "list" else tuple(out)
    if t == "dict":
        items = skel.get("items")
        if not isinstance(items, list):
            raise CodecError("dict node without items")
        result: dict[str, Any] = {}
        for pair in items:
            if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)):
                raise CodecError("bad dict item")
            result[pair[0]] = decode(pair[1], buffers, depth + 1)
        return result
    if t == "unsupported":
        return Unsupported(str(skel.get("type", "?"))[:200], str(skel.get("detail", ""))[:200])
    raise CodecError(f"unknown node type {t!r}")


def _buf(skel: dict, buffers: list[bytes]) -> bytes:
    idx = skel.get("buf")
    if type(idx) is not int or not 0 <= idx < len(buffers):
        raise CodecError("bad buffer index")
    return buffers[idx]

