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
#
# The recursion dispatches on the exact type through a table (a subclass never matches: it
# takes the slow path at the end). The size limit counts strings, bytes and array buffers as
# they come (they are what can be large) and the whole encoding at the end; the item limit
# bounds the small nodes.

_SHAPE = [struct.Struct(f"<{n + 1}Q") for n in range(MAX_NDIM + 1)]
_DTYPE_CODES: dict[np.dtype, bytes] = {}
_i64, _f64, _u32 = _I64.pack, _F64.pack, _U32.pack


def _dtype_code(dt: np.dtype) -> bytes:
    code = _DTYPE_CODES.get(dt)
    if code is None:
        code = dt.str.encode()
        code = bytes([len(code)]) + code
        if len(_DTYPE_CODES) < 64:
            _DTYPE_CODES[dt] = code
    return code


class _Encoder:
    """Encodes one value. ``describer(obj)`` (describe mode) turns a foreign object into an
    ``ObjDesc``/``MethodDesc``/``FuncDesc`` or returns None (then it is ``Unsupported``)."""

    __slots__ = ("parts", "put", "total", "items", "max_bytes", "describer")

    def __init__(self, max_bytes: int, describer: Any = None) -> None:
        self.parts: list[bytes] = []
        self.put = self.parts.append
        self.total = 0
        self.items = 0
        self.max_bytes = max_bytes
        self.describer = describer

    def grow(self, n: int) -> None:
        self.total += n
        if self.total > self.max_bytes:
            raise CodecError(f"value is larger than {self.max_bytes} bytes")

    def text(self, tag: bytes, s: str) -> None:
        data = s.encode("utf-8", "surrogatepass")
        n = len(data)
        if n > MAX_STR:
            raise CodecError("string too long")
        self.grow(n)
        self.put(tag + _u32(n) + data)

    def unsupported(self, tname: str, detail: str) -> None:
        self.put(b"u")
        self.text(b"", tname[:200])
        self.text(b"", detail[:200])

    def array(self, v: np.ndarray, scalar: bool = False) -> None:
        if type(v) is not np.ndarray:
            # A subclass may override arithmetic or comparison; it never crosses over.
            self.unsupported(type_name(v), "ndarray subclass")
            return
        dt = v.dtype
        if dt.kind not in ALLOWED_KINDS or dt.fields is not None:
            self.unsupported("numpy.ndarray", f"dtype {dt}")
            return
        if dt.byteorder == ">":
            v = v.astype(dt.newbyteorder("<"))
            dt = v.dtype
        data = v.tobytes(order="C")
        self.grow(len(data))
        n = v.ndim
        shape = _SHAPE[n] if n <= MAX_NDIM else struct.Struct(f"<{n + 1}Q")
        self.put((b"S" if scalar else b"a") + _dtype_code(dt) + bytes((n,))
                 + shape.pack(*v.shape, len(data)))
        self.put(data)

    def encode(self, value: Any, depth: int = 0) -> None:
        self.items += 1
        if self.items > MAX_ITEMS:
            raise CodecError(f"value has more than {MAX_ITEMS} items")
        if depth > MAX_DEPTH:
            raise CodecError(f"value is nested deeper than {MAX_DEPTH} levels")
        h = _ENCODERS.get(type(value))
        if h is not None:
            h(self, value, depth)
        elif isinstance(value, np.ndarray):
            self.array(value)
        elif isinstance(value, np.generic):
            if value.dtype.kind in ALLOWED_KINDS:
                self.array(np.asarray(value), scalar=True)
            else:
                self.unsupported(type_name(value), f"dtype {value.dtype}")
        else:
            desc = self.describer(value) if self.describer is not None else None
            if desc is not None:
                self.encode(desc, depth)
            else:
                # Subclasses of builtins (a float with a lying __eq__, say) are refused.
                self.unsupported(type_name(value), "")


def _enc_int(e: _Encoder, v: int, depth: int) -> None:
    e.put(b"i" + _i64(v) if _I64_MIN <= v <= _I64_MAX else b"f" + _f64(float(v)))


def _enc_seq(e: _Encoder, v: list | tuple, depth: int) -> None:
    e.put((b"l" if type(v) is list else b"t") + _u32(len(v)))
    enc = e.encode
    depth += 1
    for x in v:
        enc(x, depth)


def _enc_dict(e: _Encoder, v: dict, depth: int) -> None:
    put, enc, grow = e.put, e.encode, e.grow
    put(b"d" + _u32(len(v)))
    depth += 1
    for k, x in v.items():
        if type(k) is not str:
            k = f"<{type_name(k)} key {k!r:.40}>"
        key = k.encode("utf-8", "surrogatepass")
        n = len(key)
        if n > MAX_STR:
            raise CodecError("string too long")
        grow(n)
        put(_u32(n) + key)
        enc(x, depth)


def _enc_bytes(e: _Encoder, v: bytes, depth: int) -> None:
    e.grow(len(v))
    e.put(b"b" + _u32(len(v)))
    e.put(v)


def _enc_spec(e: _Encoder, v: Spec, depth: int) -> None:
    e.put(b"p")
    e.text(b"", v.spec)
    e.text(b"", v.domain)


def _enc_obj(e: _Encoder, v: ObjDesc, depth: int) -> None:
    e.put(b"o")
    e.text(b"", v.cls)
    e.encode(v.state, depth + 1)


def _enc_method(e: _Encoder, v: MethodDesc, depth: int) -> None:
    e.put(b"m")
    e.text(b"", v.name)
    e.encode(v.obj, depth + 1)


_ENCODERS: dict[type, Any] = {
    float: lambda e, v, d: e.put(b"f" + _f64(v)),
    int: _enc_int,
    str: lambda e, v, d: e.text(b"s", v),
    list: _enc_seq,
    tuple: _enc_seq,
    dict: _enc_dict,
    np.ndarray: lambda e, v, d: e.array(v),
    type(None): lambda e, v, d: e.put(b"N"),
    bool: lambda e, v, d: e.put(b"T" if v else b"F"),
    bytes: _enc_bytes,
    Unsupported: lambda e, v, d: e.unsupported(v.type_name, v.detail),
    Ref: lambda e, v, d: e.put(b"r" + _u32(v.id)),
    Spec: _enc_spec,
    ObjDesc: _enc_obj,
    MethodDesc: _enc_method,
    FuncDesc: lambda e, v, d: e.text(b"c", v.spec),
}


def encode(value: Any, max_bytes: int = 1 << 30, describer: Any = None) -> bytes:
    """Encode ``value`` (see the module docstring).

    ``describer(obj)``, when given, may turn foreign objects into description markers.

    Raises:
        CodecError: the value is too deep, too large or has too many items.
    """
    enc = _Encoder(max_bytes, describer)
    enc.encode(value)
    out = b"".join(enc.parts)
    if len(out) > max_bytes:
        raise CodecError(f"value is larger than {max_bytes} bytes")
    return out


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
    __slots__ = ("data", "n", "pos", "items")

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
        pos = self.pos
        if pos + 4 > self.n:
            raise CodecError("value is truncated")
        self.pos = pos + 4
        return _U32.unpack_from(self.data, pos)[0]

    def _str(self) -> str:
        k = self._u32()
        if k > MAX_STR:
            raise CodecError("string too long")
        at = self.pos
        if at + k > self.n:
            raise CodecError("value is truncated")
        self.pos = at + k
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
        dims = _SHAPE[ndim].unpack_from(data, at)
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
        pos = self.pos
        if pos >= self.n:
            raise CodecError("value is truncated")
        tag = self.data[pos]
        if tag == 0x66:  # f: the commonest node, read here
            if pos + 9 > self.n:
                raise CodecError("value is truncated")
            self.pos = pos + 9
            return _F64.unpack_from(self.data, pos + 1)[0]
        self.pos = pos + 1
        h = _DECODERS[tag]
        if h is None:
            raise CodecError(f"unknown node type {self.data[pos:pos + 1]!r}")
        return h(self, depth)


def _dec_fixed(unpack: Any) -> Any:
    def dec(d: _Decoder, depth: int) -> Any:
        pos = d.pos
        if pos + 8 > d.n:
            raise CodecError("value is truncated")
        d.pos = pos + 8
        return unpack(d.data, pos)[0]
    return dec


def _dec_dict(d: _Decoder, depth: int) -> dict[str, Any]:
    k = d._count(d._u32())
    result: dict[str, Any] = {}
    data, n, value, u32 = d.data, d.n, d.value, _U32.unpack_from
    depth += 1
    for _ in range(k):
        # the key, as ``_str`` reads it (inlined: dicts are most of what crosses)
        pos = d.pos
        if pos + 4 > n:
            raise CodecError("value is truncated")
        size = u32(data, pos)[0]
        if size > MAX_STR:
            raise CodecError("string too long")
        pos += 4
        end = pos + size
        if end > n:
            raise CodecError("value is truncated")
        try:
            name = data[pos:end].decode("utf-8", "surrogatepass")
        except UnicodeDecodeError as exc:
            raise CodecError("string is not UTF-8") from exc
        d.pos = end
        result[name] = value(depth)
    return result


def _dec_list(d: _Decoder, depth: int) -> list:
    k = d._count(d._u32())
    value = d.value
    depth += 1
    return [value(depth) for _ in range(k)]


def _dec_bytes(d: _Decoder, depth: int) -> bytes:
    k = d._u32()
    at = d._need(k)
    return d.data[at:at + k]


def _dec_obj(d: _Decoder, depth: int) -> ObjDesc:
    cls = d._str()
    state = d.value(depth + 1)
    if not isinstance(state, dict):
        raise CodecError("object state is not a dict")
    return ObjDesc(cls, state)


def _dec_method(d: _Decoder, depth: int) -> MethodDesc:
    name = d._str()
    return MethodDesc(d.value(depth + 1), name)


_DECODERS: list[Any] = [None] * 256
for _tag, _dec in {
    b"f": _dec_fixed(_F64.unpack_from),
    b"a": lambda d, depth: d._array(False),
    b"S": lambda d, depth: d._array(True),
    b"d": _dec_dict,
    b"i": _dec_fixed(_I64.unpack_from),
    b"N": lambda d, depth: None,
    b"T": lambda d, depth: True,
    b"F": lambda d, depth: False,
    b"s": lambda d, depth: d._str(),
    b"l": _dec_list,
    b"t": lambda d, depth: tuple(_dec_list(d, depth)),
    b"b": _dec_bytes,
    b"u": lambda d, depth: Unsupported(d._str()[:200], d._str()[:200]),
    b"r": lambda d, depth: Ref(d._u32()),
    b"p": lambda d, depth: Spec(d._str(), d._str()),
    b"o": _dec_obj,
    b"m": _dec_method,
    b"c": lambda d, depth: FuncDesc(d._str()),
}.items():
    _DECODERS[_tag[0]] = _dec


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
