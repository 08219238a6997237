"""Which notebook assignments are constants the grader keeps, judged from their AST alone.

A notebook's early cells often set constants that graded functions read (``EPS = 10 ** -8``,
``x0 = np.array([-1.5, 2.0])``, ``CONFIG = {"lr": LR}``). The reduction keeps such a statement
(its source runs later, at import, inside the sandbox) when its right-hand side is built only
from literals, names already kept, arithmetic and a few pure constructors (``float``, ``int``,
``np.float64``, ``np.array`` of literals, ``np.zeros`` of a bounded shape, ``math.sqrt``...).

Nothing is executed here beyond arithmetic on small numbers: the checker walks the AST with
abstract values (a number's value when it is small and known, a container's or array's size)
and refuses whatever could be expensive before computing it: an integer power or product of
more than ``MAX_INT_BITS`` bits, a sequence or array of more than ``MAX_ELEMENTS`` elements,
more than ``TOTAL_ELEMENTS`` elements kept in all (the sandbox builds them at import), string
formatting, any other call. A refusal says why, in words a student understands (``calls
load()``, ``uses `A`, which was not kept``).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from dataclasses import dataclass, replace

#: Largest integer (in bits) a kept constant may compute.
MAX_INT_BITS = 10_000
#: Most elements one kept container, string or array may hold.
MAX_ELEMENTS = 1_000_000
#: Most elements all kept constants of a notebook may hold together.
TOTAL_ELEMENTS = 10_000_000
#: Most AST nodes checked in one right-hand side.
MAX_NODES = 20_000
#: Items of a small container remembered (for unpacking, shapes, subscripts).
KEEP_ITEMS = 64

NUMPY = "numpy"
#: Modules imported under another name that are numpy for our purposes.
NUMPY_ALIASES = ("numpy", "autograd.numpy", "jax.numpy", "cupy")

NUMPY_CONSTANTS = {"pi": math.pi, "e": math.e, "inf": math.inf, "nan": math.nan,
                   "euler_gamma": 0.5772156649015329}
MATH_CONSTANTS = {"pi": math.pi, "e": math.e, "inf": math.inf, "nan": math.nan,
                  "tau": math.tau}
SCALAR_TYPES = {"float16", "float32", "float64", "float128", "longdouble", "double", "single",
                "half", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                "uint64", "intc", "intp", "complex64", "complex128", "bool_"}
UNARY_MATH = {"sqrt": math.sqrt, "exp": math.exp, "log": math.log, "log10": math.log10,
              "log2": math.log2, "abs": abs, "fabs": math.fabs, "cos": math.cos,
              "sin": math.sin, "tan": math.tan, "tanh": math.tanh}
ARRAY_BUILDERS = {"array", "asarray", "zeros", "ones", "empty", "full", "eye", "identity",
                  "arange", "linspace"}
BUILTIN_CASTS = {"float", "int", "complex", "bool", "abs", "round"}


class NotKept(Exception):
    """The statement is not a constant the grader keeps; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- abstract values ----------------------------------------------------------------------


@dataclass(frozen=True)
class Num:
    """A number (int, float, complex, bool); ``value`` is None when not known exactly."""

    value: int | float | complex | None = None

    @property
    def size(self) -> int:
        return 1


@dataclass(frozen=True)
class Text:
    """A string or bytes of ``length``; its value when short."""

    length: int
    value: str | bytes | None = None

    @property
    def size(self) -> int:
        return max(1, self.length)


@dataclass(frozen=True)
class Seq:
    """A tuple, list, set or dict of ``length`` items holding ``size`` elements in all; its
    items when there are few (for unpacking, shapes and subscripts)."""

    kind: str
    length: int
    size: int
    items: tuple | None = None
    keys: tuple | None = None


@dataclass(frozen=True)
class Array:
    """A numpy array (or numpy scalar) of ``size`` elements."""

    size: int


@dataclass(frozen=True)
class Ref:
    """Something that is not data: a module, a function or class, ``None``-like objects.
    ``qual`` names what it is (``numpy``, ``numpy.float64``, ``def relu``)."""

    qual: str

    @property
    def size(self) -> int:
        return 1


Value = Num | Text | Seq | Array | Ref


def _size(v: Value) -> int:
    return v.size


# --- the checker --------------------------------------------------------------------------


def _snippet(node: ast.AST, limit: int = 40) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # noqa: BLE001 - unparse of odd trees: describe generically
        return "an expression"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def qualname(node: ast.AST, env: dict[str, Value]) -> str | None:
    """``numpy.float64`` for ``np.float64`` when ``np`` is the module numpy (None if the
    expression is not a dotted name over a kept import)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    base = env.get(node.id)
    if base is None:
        return node.id if not parts and node.id in BUILTIN_CASTS else None
    if not isinstance(base, Ref):
        return None
    return ".".join([base.qual, *reversed(parts)])


class ConstantChecker:
    """Tracks the names a notebook's kept statements define (in document order) and decides
    whether an assignment is a constant to keep.

    ``describe_missing(name)`` words why a name used by a right-hand side is not available
    (it was dropped, or never defined above).
    """

    def __init__(self, describe_missing: Callable[[str], str]) -> None:
        self.env: dict[str, Value] = {}
        self.total = 0
        self.describe_missing = describe_missing
        self._nodes = 0

    # names bound by kept imports and definitions
    def bind_import(self, node: ast.Import | ast.ImportFrom) -> list[str]:
        """Record the names an import binds; returns them."""
        names = []
        if isinstance(node, ast.Import):
            for alias in node.names:
                module = alias.name
                if alias.asname:
                    qual = NUMPY if module in NUMPY_ALIASES else module
                    self.env[alias.asname] = Ref(qual)
                    names.append(alias.asname)
                else:
                    top = module.split(".")[0]
                    self.env[top] = Ref(top)
                    names.append(top)
            return names
        module = node.module or ""
        base = NUMPY if module in NUMPY_ALIASES else module
        for alias in node.names:
            if alias.name == "*":
                continue
            bound = alias.asname or alias.name
            self.env[bound] = Ref(f"{base}.{alias.name}" if base else alias.name)
            names.append(bound)
        return names

    def bind_definition(self, name: str, kind: str = "def") -> None:
        """Record a kept ``def`` or ``class``."""
        self.env[name] = Ref(f"{kind} {name}")

    # assignments
    def check(self, node: ast.stmt) -> list[str]:
        """The names ``node`` binds if it is a constant to keep (and records their values).

        Raises:
            NotKept: it is not (``reason`` says why).
        """
        changed = 0  # elements put into kept containers (``config["lr"] = ...``)
        if isinstance(node, ast.Assign):
            value = self._eval_top(node.value)
            bound: dict[str, Value] = {}
            for target in node.targets:
                if self._bind_target(target, value, bound):
                    changed += _size(value)
        elif isinstance(node, ast.AnnAssign):
            if node.value is None or not isinstance(node.target, ast.Name):
                raise NotKept("is an annotation without a value")
            bound = {node.target.id: self._eval_top(node.value)}
        elif isinstance(node, ast.AugAssign):
            if not isinstance(node.target, ast.Name):
                raise NotKept("changes part of an object")
            name = node.target.id
            if name not in self.env:
                raise NotKept(f"updates `{name}`, {self.describe_missing(name)}")
            value = _binop(node.op, self.env[name], self._eval_top(node.value), node)
            bound = {name: value}
        else:
            raise NotKept("is not an assignment")
        added = sum(_size(v) for v in bound.values()) + changed
        if self.total + added > TOTAL_ELEMENTS:
            raise NotKept(f"would bring the constants kept from this notebook above "
                          f"{TOTAL_ELEMENTS:,} elements")
        self.total += added
        self.env.update(bound)
        return list(bound)

    def _bind_target(self, target: ast.expr, value: Value, bound: dict[str, Value]) -> bool:
        """Bind ``target`` to ``value`` in ``bound``; True when it is an item of a kept
        container (which then holds ``value`` too)."""
        if isinstance(target, ast.Name):
            bound[target.id] = value
            return False
        if isinstance(target, (ast.Tuple, ast.List)):
            if any(isinstance(e, ast.Starred) for e in target.elts):
                raise NotKept("unpacks with *")
            if isinstance(value, Seq) and value.kind in ("tuple", "list"):
                if value.length != len(target.elts):
                    raise NotKept(f"unpacks {value.length} values into "
                                  f"{len(target.elts)} names (ValueError)")
                items = value.items or (Num(),) * value.length
            elif isinstance(value, Array):
                items = (Array(value.size),) * len(target.elts)
            else:
                raise NotKept("unpacks something that is not a tuple or list")
            return any([self._bind_target(elt, item, bound)
                        for elt, item in zip(target.elts, items, strict=True)])
        if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) \
                and isinstance(self.env.get(target.value.id), (Seq, Array)):
            if not isinstance(target.slice, ast.Slice):
                self._eval_top(target.slice)
            # an item of a kept container changes: forget its items (shapes, unpacking)
            name = target.value.id
            container = bound.get(name, self.env[name])
            if isinstance(container, Seq):
                bound[name] = replace(container, items=None, keys=None,
                                      size=container.size + _size(value))
            return True
        raise NotKept("changes part of an object")

    # expressions
    def _eval_top(self, node: ast.expr) -> Value:
        self._nodes = 0
        try:
            return self._eval(node)
        except RecursionError:
            raise NotKept("is too deeply nested to check") from None

    def _eval(self, node: ast.expr) -> Value:  # noqa: C901 - one branch per node kind
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise NotKept(f"is longer than {MAX_NODES:,} expression parts")
        if isinstance(node, ast.Constant):
            return _constant(node.value)
        if isinstance(node, ast.Name):
            if node.id in self.env:
                return self.env[node.id]
            if node.id in BUILTIN_CASTS:
                return Ref(node.id)
            raise NotKept(f"uses `{node.id}`, {self.describe_missing(node.id)}")
        if isinstance(node, ast.UnaryOp):
            return _unary(node.op, self._eval(node.operand))
        if isinstance(node, ast.BinOp):
            return _binop(node.op, self._eval(node.left), self._eval(node.right), node)
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            kind = {ast.Tuple: "tuple", ast.List: "list", ast.Set: "set"}[type(node)]
            if any(isinstance(e, ast.Starred) for e in node.elts):
                raise NotKept("unpacks with *")
            return _seq(kind, [self._eval(e) for e in node.elts])
        if isinstance(node, ast.Dict):
            if any(k is None for k in node.keys):
                raise NotKept("unpacks a dict with **")
            keys = [self._eval(k) for k in node.keys if k is not None]
            values = [self._eval(v) for v in node.values]
            return _seq("dict", values, extra=sum(_size(k) for k in keys),
                        keys=tuple(keys) if len(keys) <= KEEP_ITEMS else None)
        if isinstance(node, ast.Attribute):
            return self._attribute(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.Subscript):
            return self._subscript(node)
        if isinstance(node, ast.Lambda):
            for default in node.args.defaults + [d for d in node.args.kw_defaults if d]:
                self._eval(default)
            return Ref("lambda")
        raise NotKept(_describe_node(node))

    def _attribute(self, node: ast.Attribute) -> Value:
        if isinstance(node.value, ast.Call) and qualname(node.value.func, self.env) \
                == f"{NUMPY}.finfo" and node.attr in ("eps", "tiny", "max", "min",
                                                      "resolution", "smallest_normal"):
            self._call(node.value)
            return Num()
        qual = qualname(node, self.env)
        if qual is None:
            raise NotKept(f"reads `{_snippet(node)}`, an attribute of something that is not "
                          "a kept module")
        module, _, attr = qual.rpartition(".")
        if module == NUMPY and attr in NUMPY_CONSTANTS:
            return Num(NUMPY_CONSTANTS[attr])
        if module == NUMPY and attr == "newaxis":
            return Ref("None")
        if module == "math" and attr in MATH_CONSTANTS:
            return Num(MATH_CONSTANTS[attr])
        if module == NUMPY and attr in SCALAR_TYPES | ARRAY_BUILDERS | set(UNARY_MATH) \
                | {"finfo", "float_", "int_"}:
            return Ref(qual)  # a function or type itself (as a value, e.g. a dtype)
        if module == "math" and attr in UNARY_MATH:
            return Ref(qual)
        raise NotKept(f"reads `{_snippet(node)}`, which the grader does not evaluate")

    def _subscript(self, node: ast.Subscript) -> Value:
        base = self._eval(node.value)
        index = self._eval(node.slice) if not isinstance(node.slice, ast.Slice) else None
        if isinstance(base, Array):
            return Array(base.size)
        if isinstance(base, Seq) and base.kind in ("tuple", "list") and index is not None:
            if base.items is not None and isinstance(index, Num) \
                    and isinstance(index.value, int) and -base.length <= index.value \
                    < base.length:
                return base.items[index.value]
            raise NotKept(f"reads `{_snippet(node)}`, an item the grader cannot check")
        if isinstance(base, Seq) and base.kind == "dict" and base.keys is not None \
                and base.items is not None and isinstance(index, (Num, Text)) \
                and index.value is not None:
            for key, item in zip(base.keys, base.items, strict=True):
                if isinstance(key, (Num, Text)) and key.value is not None \
                        and key.value == index.value:
                    return item
            raise NotKept(f"reads `{_snippet(node)}`, a key the dict does not have (KeyError)")
        raise NotKept(f"reads `{_snippet(node)}`, an item the grader cannot check")

    def _call(self, node: ast.Call) -> Value:
        qual = qualname(node.func, self.env)
        name = _snippet(node.func, 30)
        if qual is None:
            raise NotKept(f"calls {name}()")
        if any(isinstance(a, ast.Starred) for a in node.args) or any(
                k.arg is None for k in node.keywords):
            raise NotKept(f"calls {name}() with * or ** arguments")
        args = [self._eval(a) for a in node.args]
        kwargs = {k.arg: self._eval(k.value) for k in node.keywords}
        module, _, attr = qual.rpartition(".")
        if not module and attr in BUILTIN_CASTS:
            return _cast(attr, args, name)
        if module == NUMPY and attr in SCALAR_TYPES | {"float_", "int_"}:
            _only(kwargs, (), name)
            if len(args) > 1:
                raise NotKept(f"calls {name}() with more than one argument")
            if args and isinstance(args[0], (Seq, Array)):
                return Array(_size(args[0]))
            return Num()
        if module == NUMPY and attr == "finfo":
            return Ref("finfo")
        if module in (NUMPY, "math") and attr in UNARY_MATH:
            _only(kwargs, (), name)
            if len(args) != 1:
                raise NotKept(f"calls {name}() with {len(args)} arguments")
            if isinstance(args[0], (Seq, Array)):
                return Array(_size(args[0]))
            return _math(UNARY_MATH[attr], args[0], name)
        if module == NUMPY and attr in ARRAY_BUILDERS:
            return Array(_array_size(attr, args, kwargs, name))
        raise NotKept(f"calls {name}()")


# --- operations on abstract values --------------------------------------------------------


def _constant(value: object) -> Value:
    if isinstance(value, (bool, int, float, complex)):
        if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
            raise NotKept(f"holds an integer of more than {MAX_INT_BITS} bits")
        return Num(value)
    if isinstance(value, (str, bytes)):
        return Text(len(value), value if len(value) <= 1000 else None)
    if value is None or value is Ellipsis:
        return Ref(repr(value))
    raise NotKept("holds a constant of an unknown kind")


def _seq(kind: str, items: list[Value], extra: int = 0, keys: tuple | None = None) -> Seq:
    size = sum(_size(v) for v in items) + extra
    if size > MAX_ELEMENTS:
        raise NotKept(f"builds a {kind} of more than {MAX_ELEMENTS:,} elements")
    kept = tuple(items) if len(items) <= KEEP_ITEMS else None
    return Seq(kind, len(items), max(1, size), kept, keys if kept is not None else None)


def _describe_node(node: ast.AST) -> str:
    kinds = {ast.JoinedStr: "formats a string", ast.Compare: "compares values",
             ast.BoolOp: "uses and/or", ast.IfExp: "uses a conditional expression",
             ast.ListComp: "uses a comprehension", ast.SetComp: "uses a comprehension",
             ast.DictComp: "uses a comprehension", ast.GeneratorExp: "uses a generator",
             ast.NamedExpr: "assigns with :=", ast.Await: "awaits", ast.Yield: "yields",
             ast.YieldFrom: "yields", ast.Starred: "unpacks with *"}
    for kind, words in kinds.items():
        if isinstance(node, kind):
            return words
    return f"uses `{_snippet(node)}`, which the grader does not evaluate"


def _number(v: Value, what: str) -> Num:
    if isinstance(v, Num):
        return v
    raise NotKept(f"{what} something that is not a number")


def _unary(op: ast.unaryop, v: Value) -> Value:
    if isinstance(v, Array):
        return v
    n = _number(v, "negates" if isinstance(op, ast.USub) else "applies an operator to")
    if n.value is None:
        return Num()
    try:
        value = {ast.USub: lambda x: -x, ast.UAdd: lambda x: +x, ast.Not: lambda x: not x,
                 ast.Invert: lambda x: ~x}[type(op)](n.value)
    except TypeError as exc:
        raise NotKept(f"raises TypeError ({exc})") from None
    return Num(value)


def _int_bits(v: Num) -> int:
    return abs(v.value).bit_length() if isinstance(v.value, int) else 0


def _binop(op: ast.operator, a: Value, b: Value, node: ast.BinOp) -> Value:
    """``a op b`` on abstract values, refusing what could be large before computing it."""
    kind = type(op)
    if kind not in (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow,
                    ast.MatMult):
        raise NotKept(f"uses the operator in `{_snippet(node)}`, which the grader does not "
                      "evaluate")
    if isinstance(a, Array) or isinstance(b, Array):
        if isinstance(a, (Text, Ref)) or isinstance(b, (Text, Ref)):
            raise NotKept(f"combines an array with something else in `{_snippet(node)}`")
        size = _size(a) * _size(b) if isinstance(a, Array) and isinstance(b, Array) \
            else max(_size(a), _size(b))
        if size > MAX_ELEMENTS:
            raise NotKept(f"could build an array of more than {MAX_ELEMENTS:,} elements")
        return Array(size)
    if kind is ast.Mult and isinstance(a, (Seq, Text)) != isinstance(b, (Seq, Text)):
        seq, times = (a, b) if isinstance(a, (Seq, Text)) else (b, a)
        if isinstance(seq, Seq) and seq.kind not in ("tuple", "list"):
            raise NotKept(f"multiplies a {seq.kind}")
        n = _number(times, "repeats a sequence by")
        if not isinstance(n.value, (int, bool)):
            raise NotKept(f"repeats a sequence a number of times the grader cannot tell "
                          f"(`{_snippet(node)}`)")
        count = max(0, int(n.value))
        if _size(seq) * count > MAX_ELEMENTS:
            raise NotKept(f"builds a sequence of more than {MAX_ELEMENTS:,} elements")
        if isinstance(seq, Text):
            return Text(seq.length * count)
        items = seq.items * count if seq.items is not None and seq.length * count \
            <= KEEP_ITEMS else None
        return Seq(seq.kind, seq.length * count, max(1, seq.size * count), items)
    if kind is ast.Add and isinstance(a, Seq) and isinstance(b, Seq):
        if a.kind != b.kind or a.kind not in ("tuple", "list"):
            raise NotKept(f"adds a {a.kind} and a {b.kind}")
        items = a.items + b.items if a.items is not None and b.items is not None \
            and a.length + b.length <= KEEP_ITEMS else None
        return Seq(a.kind, a.length + b.length, a.size + b.size, items) if \
            a.size + b.size <= MAX_ELEMENTS else _too_big()
    if kind is ast.Add and isinstance(a, Text) and isinstance(b, Text):
        if a.length + b.length > MAX_ELEMENTS:
            _too_big()
        return Text(a.length + b.length)
    x, y = _number(a, "computes with"), _number(b, "computes with")
    if x.value is None or y.value is None:
        if kind is ast.Pow and not (isinstance(x.value, float) or isinstance(y.value, float)
                                    or (isinstance(y.value, int) and abs(y.value) <= 64)):
            raise NotKept(f"raises to a power the grader cannot bound (`{_snippet(node)}`)")
        return Num()
    if kind is ast.Mult and _int_bits(x) + _int_bits(y) > MAX_INT_BITS:
        raise NotKept(f"computes an integer of more than {MAX_INT_BITS} bits")
    if kind is ast.Pow and isinstance(x.value, int) and isinstance(y.value, int) \
            and y.value > 0 and abs(x.value) > 1 and _int_bits(x) * y.value > MAX_INT_BITS:
        raise NotKept(f"computes an integer of more than {MAX_INT_BITS} bits")
    if kind is ast.MatMult:
        raise NotKept("multiplies matrices of numbers")
    try:
        value = {ast.Add: lambda p, q: p + q, ast.Sub: lambda p, q: p - q,
                 ast.Mult: lambda p, q: p * q, ast.Div: lambda p, q: p / q,
                 ast.FloorDiv: lambda p, q: p // q, ast.Mod: lambda p, q: p % q,
                 ast.Pow: lambda p, q: p ** q}[kind](x.value, y.value)
    except (ArithmeticError, TypeError, ValueError) as exc:
        raise NotKept(f"raises {type(exc).__name__} (`{_snippet(node)}`)") from None
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise NotKept(f"computes an integer of more than {MAX_INT_BITS} bits")
    return Num(value)


def _too_big() -> Value:
    raise NotKept(f"builds something of more than {MAX_ELEMENTS:,} elements")


def _only(kwargs: dict[str, Value], allowed: tuple[str, ...], name: str) -> None:
    extra = sorted(set(kwargs) - set(allowed))
    if extra:
        raise NotKept(f"calls {name}() with the argument {extra[0]}=, which the grader does "
                      "not evaluate")


def _cast(attr: str, args: list[Value], name: str) -> Value:
    if len(args) > 2 or (attr != "round" and len(args) > 1):
        raise NotKept(f"calls {name}() with {len(args)} arguments")
    if not args:
        return Num(0)
    arg = args[0]
    if isinstance(arg, Text) and attr in ("float", "int", "complex"):
        if arg.value is None or arg.length > 100:
            raise NotKept(f"converts a long string with {name}()")
        try:
            return Num({"float": float, "int": int, "complex": complex}[attr](arg.value))
        except (ValueError, TypeError) as exc:
            raise NotKept(f"raises {type(exc).__name__} in {name}()") from None
    if isinstance(arg, Array):
        return Num()
    n = _number(arg, f"converts with {name}()")
    if n.value is None:
        return Num()
    try:
        fn = {"float": float, "int": int, "complex": complex, "bool": bool, "abs": abs,
              "round": round}[attr]
        if attr == "round" and len(args) == 2:
            digits = _number(args[1], "rounds to").value
            if not isinstance(digits, int) or abs(digits) > 400:
                raise NotKept("rounds to a number of digits the grader cannot tell")
            return Num(fn(n.value, digits))
        return Num(fn(n.value))
    except (ArithmeticError, TypeError, ValueError) as exc:
        raise NotKept(f"raises {type(exc).__name__} in {name}()") from None


def _math(fn: Callable, arg: Value, name: str) -> Value:
    n = _number(arg, f"applies {name}() to")
    if n.value is None:
        return Num()
    try:
        return Num(fn(n.value))
    except (ArithmeticError, TypeError, ValueError) as exc:
        raise NotKept(f"raises {type(exc).__name__} in {name}()") from None


def _count(v: Value, name: str) -> int:
    if not isinstance(v, Num) or not isinstance(v.value, (int, float)):
        raise NotKept(f"calls {name}() with a size the grader cannot tell")
    if isinstance(v.value, float) and not math.isfinite(v.value):
        raise NotKept(f"calls {name}() with a size that is not finite")
    return max(0, int(v.value))


def _shape_size(v: Value, name: str) -> int:
    if isinstance(v, Seq) and v.kind in ("tuple", "list"):
        if v.items is None:
            raise NotKept(f"calls {name}() with a shape the grader cannot tell")
        size = 1
        for item in v.items:
            size *= _count(item, name)
            if size > MAX_ELEMENTS:
                break
        return size
    return _count(v, name)


def _array_size(attr: str, args: list[Value], kwargs: dict[str, Value], name: str) -> int:
    """Elements of the array ``np.<attr>(*args, **kwargs)`` would build."""
    if attr in ("array", "asarray"):
        _only(kwargs, ("dtype",), name)
        if len(args) != 1:
            raise NotKept(f"calls {name}() with {len(args)} arguments")
        size = _size(args[0])
    elif attr in ("zeros", "ones", "empty"):
        _only(kwargs, ("dtype",), name)
        if len(args) != 1:
            raise NotKept(f"calls {name}() with {len(args)} arguments")
        size = _shape_size(args[0], name)
    elif attr == "full":
        _only(kwargs, ("dtype",), name)
        if len(args) != 2 or not isinstance(args[1], Num):
            raise NotKept(f"calls {name}() with arguments the grader cannot check")
        size = _shape_size(args[0], name)
    elif attr in ("eye", "identity"):
        _only(kwargs, ("dtype",), name)
        if len(args) != 1:
            raise NotKept(f"calls {name}() with {len(args)} arguments")
        n = _count(args[0], name)
        size = n * n
    elif attr == "arange":
        _only(kwargs, ("dtype",), name)
        numbers = [_number(a, f"calls {name}() with") for a in args]
        if not 1 <= len(numbers) <= 3 or any(n.value is None or isinstance(n.value, complex)
                                             for n in numbers):
            raise NotKept(f"calls {name}() with arguments the grader cannot check")
        start, stop, step = (0, numbers[0].value, 1) if len(numbers) == 1 else (
            numbers[0].value, numbers[1].value, numbers[2].value if len(numbers) == 3 else 1)
        if not step or not all(math.isfinite(x) for x in (start, stop, step)):  # type: ignore[arg-type]
            raise NotKept(f"calls {name}() with a step of 0 or a bound that is not finite")
        size = max(0, math.ceil((stop - start) / step))  # type: ignore[operator]
    else:  # linspace
        _only(kwargs, ("num", "dtype", "endpoint"), name)
        if len(args) not in (2, 3) or not all(isinstance(a, Num) for a in args[:2]):
            raise NotKept(f"calls {name}() with arguments the grader cannot check")
        size = _count(args[2] if len(args) == 3 else kwargs.get("num", Num(50)), name)
    if size > MAX_ELEMENTS:
        raise NotKept(f"calls {name}() for more than {MAX_ELEMENTS:,} elements")
    return max(1, size)
