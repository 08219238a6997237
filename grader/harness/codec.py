"""Safe binary encoding of plain data, shared by the harness (inside the sandbox) and the grader.

No pickle, no code: a value is a tree of tagged nodes, and the decoder accepts only plain data
(None, bool, int, float, str, bytes, list, tuple, dict with string keys, numeric numpy arrays
and scalars) plus a few *marker* nodes that name things instead of carrying them:

- ``Unsupported(type_name, detail)``: a value that could not cross (an object of the student's,
  an ndarray subclass, an object array), so the scorer can say "your function returned a
  <type>" instead of trusting a foreign object;
- ``Ref(id)``: an object kept in the check's child process (a handle), see ``child.py``;
- ``Spec(spec, domain)``: an object to look up in the child by name (``"nndl.fc_net:
  FullyConnectedNet"`` in the student's modules, or a helper of the assignment);
- ``ObjDesc(cls, state)``, ``MethodDesc(obj, name)``, ``FuncDesc(spec)``: how the child
  *describes* objects of the student's (or the assignment helpers') classes, their bound
  methods and their functions when it asks the trusted side for a block's answer.

Wire format: one tag byte per node, then a fixed-size payload (``struct``) or a length and the
bytes. Arrays carry their dtype string, shape and C-order bytes. The decoder enforces limits
(depth, item count, string and buffer sizes against what is actually there): frames come from
code the grader does not trust.

This module runs inside the sandbox: stdlib and numpy only.
"""

from __future__ import annotations

import math
import struct
from typing import Any

import numpy as np

#: numpy dtype kinds that may cross the boundary (bool, signed, unsigned, float, complex).
ALLOWED_KINDS = frozenset("biufc")
MAX_DEPTH = 32
MAX_ITEMS = 200_000
MAX_STR = 1_000_000
MAX_NDIM = 32

_I64 = struct.Struct("<q")
_F64 = struct.Struct("<d")
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
_I64_MIN, _I64_MAX = -(2**63), 2**63 - 1

ENCODE_VALUE = "value"
ENCODE_DESCRIBE = "describe"


class CodecError(ValueError):
    """Raised when a value or an encoding cannot be handled safely."""


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
        return isinstance(other, Unsupported) and other.type_name == self.type_name \
            and other.detail == self.detail

    def __hash__(self) -> int:
        return hash((self.type_name, self.detail))


class Ref:
    """A handle: object number ``id`` of the check's child."""

    __slots__ = ("id",)

    def __init__(self, id: int) -> None:  # noqa: A002 - the wire name
        self.id = int(id)

    def __repr__(self) -> str:
        return f"Ref({self.id})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Ref) and other.id == self.id

    def __hash__(self) -> int:
        return hash(("ref", self.id))


#: Domains of a ``Spec``: the student's modules, or the assignment's sandbox helpers.
STUDENT = "student"
HELPER = "helper"


class Spec:
    """An object to look up in the child: ``"module:qualname"`` in ``domain``."""

    __slots__ = ("spec", "domain")

    def __init__(self, spec: str, domain: str = STUDENT) -> None:
        self.spec = spec
        self.domain = domain

    def __repr__(self) -> str:
        return f"Spec({self.spec!r}, {self.domain!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Spec) and (other.spec, other.domain) == (self.spec,
                                                                            self.domain)

    def __hash__(self) -> int:
        return hash((self.spec, self.domain))


class ObjDesc:
    """An instance of class ``cls`` (``"module:qualname"``) with attributes ``state``."""

    __slots__ = ("cls", "state")

    def __init__(self, cls: str, state: dict) -> None:
        self.cls = cls
        self.state = state

    def __repr__(self) -> str:
        return f"ObjDesc({self.cls!r}, {sorted(self.state)!r})"


class MethodDesc:
    """The bound method ``name`` of the described object ``obj``."""

    __slots__ = ("obj", "name")

    def __init__(self, obj: Any, name: str) -> None:
        self.obj = obj
        self.name = name

    def __repr__(self) -> str:
        return f"MethodDesc({self.obj!r}, {self.name!r})"


class FuncDesc:
    """A function of the student's (or the helpers') modules: ``"module:qualname"``."""

    __slots__ = ("spec",)

    def __init__(self, spec: str) -> None:
        self.spec = spec

    def __repr__(self) -> str:
        return f"FuncDesc({self.spec!r})"


def type_name(value: object) -> str:
    """``module.QualName`` of ``value``'s type (``builtins`` left out)."""
    t = type(value)
    mod = getattr(t, "__module__", "") or ""
    name = getattr(t, "__qualname__", None) or getattr(t, "__name__", "?")
    if not isinstance(name, str):
        name = "?"
    return name if mod in ("builtins", "") else f"{mod}.{name}"


# --- encoding ----------------------------------------------------------------------------


class _Encoder:
    """Encodes one value. ``describer(obj)`` (describe mode) turns a foreign object into an
    ``ObjDesc``/``MethodDesc``/``FuncDesc`` or returns None (then it is ``Unsupported``)."""

    def __init__(self, max_bytes: int, describer: Any = None) -> None:
        self.parts: list[bytes] = []
        self.total = 0
        self.items = 0
        self.max_bytes = max_bytes
        self.describer = describer

    def _put(self, data: bytes) -> None:
        self.total += len(data)
        if self.total > self.max_bytes:
            raise CodecError(f"value is larger than {self.max_bytes} bytes")
        self.parts.append(data)

    def _str(self, tag: bytes, text: str) -> None:
        data = text.encode("utf-8", "surrogatepass")
        if len(data) > MAX_STR:
            raise CodecError("string too long")
        self._put(tag + _U32.pack(len(data)))
        self._put(data)

    def _unsupported(self, tname: str, detail: str) -> None:
        self._put(b"u")
        self._str(b"", tname[:200])
        self._str(b"", detail[:200])

    def array(self, value: np.ndarray, scalar: bool = False) -> None:
        if type(value) is not np.ndarray:
            # A subclass may override arithmetic or comparison; it never crosses over.
            self._unsupported(type_name(value), "ndarray subclass")
            return
        dt = value.dtype
        if dt.kind not in ALLOWED_KINDS or dt.fields is not None:
            self._unsupported("numpy.ndarray", f"dtype {dt}")
            return
        if dt.byteorder == ">":
            value = value.astype(dt.newbyteorder("<"))
            dt = value.dtype
        data = value.tobytes(order="C")
        code = dt.str.encode()
        head = [b"S" if scalar else b"a", bytes([len(code)]), code, bytes([value.ndim])]
        head += [_U64.pack(int(s)) for s in value.shape]
        head.append(_U64.pack(len(data)))
        self._put(b"".join(head))
        self._put(data)

    def encode(self, value: Any, depth: int = 0) -> None:
        self.items += 1
        if self.items > MAX_ITEMS:
            raise CodecError(f"value has more than {MAX_ITEMS} items")
        if depth > MAX_DEPTH:
            raise CodecError(f"value is nested deeper than {MAX_DEPTH} levels")
        t = type(value)
        if value is None:
            self._put(b"N")
        elif value is True:
            self._put(b"T")
        elif value is False:
            self._put(b"F")
        elif t is int:
            if _I64_MIN <= value <= _I64_MAX:
                self._put(b"i" + _I64.pack(value))
            else:
                self._put(b"f" + _F64.pack(float(value)))
        elif t is float:
            self._put(b"f" + _F64.pack(value))
        elif t is str:
            self._str(b"s", value)
        elif t is bytes:
            self._put(b"b" + _U32.pack(len(value)))
            self._put(value)
        elif t is list or t is tuple:
            self._put((b"l" if t is list else b"t") + _U32.pack(len(value)))
            for v in value:
                self.encode(v, depth + 1)
        elif t is dict:
            self._put(b"d" + _U32.pack(len(value)))
            for k, v in value.items():
                if type(k) is not str:
                    k = f"<{type_name(k)} key {k!r:.40}>"
                self._str(b"", k)
                self.encode(v, depth + 1)
        elif isinstance(value, np.ndarray):
            self.array(value)
        elif isinstance(value, np.generic):
            if value.dtype.kind in ALLOWED_KINDS:
                self.array(np.asarray(value), scalar=True)
            else:
                self._unsupported(type_name(value), f"dtype {value.dtype}")
        elif t is Unsupported:
            self._unsupported(value.type_name, value.detail)
        elif t is Ref:
            self._put(b"r" + _U32.pack(value.id))
        elif t is Spec:
            self._put(b"p")
            self._str(b"", value.spec)
            self._str(b"", value.domain)
        elif t is ObjDesc:
            self._put(b"o")
            self._str(b"", value.cls)
            self.encode(value.state, depth + 1)
        elif t is MethodDesc:
            self._put(b"m")
            self._str(b"", value.name)
            self.encode(value.obj, depth + 1)
        elif t is FuncDesc:
            self._put(b"c")
            self._str(b"", value.spec)
        else:
            desc = self.describer(value) if self.describer is not None else None
            if desc is not None:
                self.encode(desc, depth)
            else:
                # Subclasses of builtins (a float with a lying __eq__, say) are refused.
                self._unsupported(type_name(value), "")


def encode(value: Any, max_bytes: int = 1 << 30, describer: Any = None) -> bytes:
    """Encode ``value`` (see the module docstring).

    ``describer(obj)``, when given, may turn foreign objects into description markers.

    Raises:
        CodecError: the value is too deep, too large or has too many items.
    """
    enc = _Encoder(max_bytes, describer)
    enc.encode(value)
    return b"".join(enc.parts)


# --- decoding ----------------------------------------------------------------------------


_DTYPES: dict[bytes, np.dtype] = {}


def _dtype(code: bytes) -> np.dtype:
    dt = _DTYPES.get(code)
    if dt is not None:
        return dt
    try:
        dt = np.dtype(code.decode("ascii"))
    except (TypeError, UnicodeDecodeError, ValueError) as exc:
        raise CodecError(f"bad dtype {code!r}") from exc
    if dt.kind not in ALLOWED_KINDS or dt.hasobject or dt.fields is not None or dt.itemsize > 32:
        raise CodecError(f"dtype {code!r} is not allowed")
    if len(_DTYPES) < 64:
        _DTYPES[code] = dt
    return dt


class _Decoder:
    def __init__(self, data: bytes | memoryview) -> None:
        self.data = bytes(data)
        self.n = len(self.data)
        self.pos = 0
        self.items = 0

    def _need(self, k: int) -> int:
        pos = self.pos
        if k < 0 or pos + k > self.n:
            raise CodecError("value is truncated")
        self.pos = pos + k
        return pos

    def _u32(self) -> int:
        return _U32.unpack_from(self.data, self._need(4))[0]

    def _str(self) -> str:
        k = self._u32()
        if k > MAX_STR:
            raise CodecError("string too long")
        at = self._need(k)
        try:
            return self.data[at:at + k].decode("utf-8", "surrogatepass")
        except UnicodeDecodeError as exc:
            raise CodecError("string is not UTF-8") from exc

    def _count(self, k: int) -> int:
        self.items += k + 1
        if self.items > MAX_ITEMS or k > self.n - self.pos:
            raise CodecError("too many items")
        return k

    def _array(self, scalar: bool) -> Any:
        data = self.data
        clen = data[self._need(1)]
        at = self._need(clen)
        dt = _dtype(data[at:at + clen])
        ndim = data[self._need(1)]
        if ndim > MAX_NDIM or (scalar and ndim):
            raise CodecError("bad shape")
        at = self._need(8 * ndim + 8)
        dims = struct.unpack_from(f"<{ndim + 1}Q", data, at)
        shape, nbytes = dims[:-1], dims[-1]
        if any(s >= 2**40 for s in shape):
            raise CodecError("bad shape")
        count = math.prod(shape)
        if count * dt.itemsize != nbytes:
            raise CodecError("array buffer size does not match its shape")
        at = self._need(nbytes)
        arr = np.frombuffer(data, dtype=dt, count=count, offset=at).reshape(shape).copy()
        return arr[()] if scalar else arr

    def value(self, depth: int = 0) -> Any:
        if depth > MAX_DEPTH + 1:
            raise CodecError("value nested too deeply")
        tag = self.data[self._need(1)]
        if tag == 0x66:  # f
            return _F64.unpack_from(self.data, self._need(8))[0]
        if tag == 0x61 or tag == 0x53:  # a, S
            return self._array(tag == 0x53)
        if tag == 0x64:  # d
            k = self._count(self._u32())
            result: dict[str, Any] = {}
            for _ in range(k):
                key = self._str()
                result[key] = self.value(depth + 1)
            return result
        if tag == 0x69:  # i
            return _I64.unpack_from(self.data, self._need(8))[0]
        if tag == 0x4E:  # N
            return None
        if tag == 0x54:  # T
            return True
        if tag == 0x46:  # F
            return False
        if tag == 0x73:  # s
            return self._str()
        if tag == 0x6C or tag == 0x74:  # l, t
            k = self._count(self._u32())
            out = [self.value(depth + 1) for _ in range(k)]
            return out if tag == 0x6C else tuple(out)
        if tag == 0x62:  # b
            k = self._u32()
            at = self._need(k)
            return self.data[at:at + k]
        if tag == 0x75:  # u
            return Unsupported(self._str()[:200], self._str()[:200])
        if tag == 0x72:  # r
            return Ref(self._u32())
        if tag == 0x70:  # p
            return Spec(self._str(), self._str())
        if tag == 0x6F:  # o
            cls = self._str()
            state = self.value(depth + 1)
            if not isinstance(state, dict):
                raise CodecError("object state is not a dict")
            return ObjDesc(cls, state)
        if tag == 0x6D:  # m
            name = self._str()
            return MethodDesc(self.value(depth + 1), name)
        if tag == 0x63:  # c
            return FuncDesc(self._str())
        raise CodecError(f"unknown node type {bytes([tag])!r}")


def decode(data: bytes | memoryview) -> Any:
    """Rebuild a value; arrays are fresh writable copies.

    Raises:
        CodecError: the encoding is malformed or over a limit (it may come from untrusted
            code).
    """
    dec = _Decoder(data)
    try:
        value = dec.value()
    except (struct.error, IndexError, RecursionError) as exc:
        raise CodecError(f"malformed value: {exc}") from exc
    if dec.pos != dec.n:
        raise CodecError(f"{dec.n - dec.pos} stray bytes after the value")
    return value
