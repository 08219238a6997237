"""Layered comparison of a student's outputs with expected ones (pure functions).

Order of the layers, each failing with wording a student understands (after PrairieLearn's
``check_numpy_array_features``): missing / None / type -> shape (with "transposed" and
"right values, wrong shape" recognised) -> dtype kind -> NaN / inf -> ``rel_error`` against
the tolerance. NaN never passes.

``rel_error(x, y) = max(|x - y| / max(1e-8, |x| + |y|))``, the CS231n notebooks' definition.
"""

from __future__ import annotations

import fnmatch
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..assignments.manifest import Comparator
from ..harness.codec import Unsupported

Path = tuple[str | int, ...]


def rel_error(x: Any, y: Any) -> float:
    """CS231n's relative error: ``max(|x - y| / max(1e-8, |x| + |y|))``; NaN if any is NaN."""
    x = np.asarray(x, dtype=np.float64) if not np.iscomplexobj(x) else np.asarray(x)
    y = np.asarray(y, dtype=np.float64) if not np.iscomplexobj(y) else np.asarray(y)
    if x.size == 0 and y.size == 0:
        return 0.0
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))
    if np.isnan(err).any():
        return float("nan")
    return float(np.max(err))


@dataclass
class OutputCheck:
    """The verdict on one output.

    ``message`` never contains values (safe for hidden checks); ``detail`` adds values for
    visible checks and instructors.
    """

    path: str
    ok: bool
    status: str  # pass | missing | none | type | shape | dtype | nonfinite | value | unsupported
    message: str
    detail: str = ""
    rel_error: float | None = None
    worst_index: list[int] | None = None
    wrong_elements: int | None = None
    total_elements: int | None = None
    shape: list[int] | None = None
    wrong_mask: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


MASK_MAX_ELEMENTS = 10000
"""Arrays up to this size get a map of their wrong elements (``wrong_mask``)."""


def pack_mask(mask: np.ndarray) -> tuple[list[int] | None, str | None]:
    """``(shape, hex of the packed bits)`` of a boolean array of wrong elements, in C order;
    ``(None, None)`` for scalars and arrays over ``MASK_MAX_ELEMENTS``."""
    if mask.ndim == 0 or mask.size > MASK_MAX_ELEMENTS:
        return None, None
    return [int(n) for n in mask.shape], np.packbits(mask.reshape(-1)).tobytes().hex()


def unpack_mask(shape: list[int], hex_bits: str) -> np.ndarray:
    """The boolean array of ``pack_mask``."""
    size = int(np.prod(shape)) if shape else 1
    bits = np.unpackbits(np.frombuffer(bytes.fromhex(hex_bits), dtype=np.uint8))[:size]
    return bits.astype(bool).reshape(shape)


# --- paths -------------------------------------------------------------------------------


def render_path(path: Path) -> str:
    """``('config', 'v')`` -> ``config['v']``; ``('calls', 2, 'args', 0)`` -> ``calls[2]...``."""
    if not path:
        return "the result"
    out = str(path[0])
    for p in path[1:]:
        out += f"[{p}]" if isinstance(p, int) else f"[{p!r}]"
    return out


def dotted(path: Path) -> str:
    return ".".join(str(p) for p in path)


def leaves(value: Any, prefix: Path = ()) -> dict[Path, Any]:
    """Every leaf of nested dicts/lists/tuples, by path."""
    if isinstance(value, dict):
        out: dict[Path, Any] = {}
        for k, v in value.items():
            out.update(leaves(v, prefix + (k,)))
        return out or {prefix: value}
    if isinstance(value, (list, tuple)):
        out = {}
        for i, v in enumerate(value):
            out.update(leaves(v, prefix + (i,)))
        return out or {prefix: value}
    return {prefix: value}


def node_at(value: Any, path: Path) -> tuple[bool, Any, str]:
    """Look ``path`` up in ``value``; returns ``(found, node, why_not)``."""
    node = value
    for depth, key in enumerate(path):
        if isinstance(key, int):
            if isinstance(node, (list, tuple)) and key < len(node):
                node = node[key]
                continue
            here = render_path(path[:depth]) if depth else "the outputs"
            if not isinstance(node, (list, tuple)):
                return False, None, f"{here} is {_kind(node)}, not a list/tuple"
            return False, None, f"{here} has {len(node)} item(s); item {key} is missing"
        if isinstance(node, dict) and key in node:
            node = node[key]
            continue
        here = render_path(path[:depth]) if depth else "the outputs"
        if node is None:
            return False, None, f"{here} is None (expected a dict with key {key!r})"
        if not isinstance(node, dict):
            return False, None, f"{here} is {_kind(node)}, not a dict"
        keys = ", ".join(repr(k) for k in list(node)[:8]) or "no keys"
        return False, None, f"{here} has no key {key!r} (it has {keys})"
    return True, node, ""


def _kind(v: Any) -> str:
    if v is None:
        return "None"
    if isinstance(v, Unsupported):
        return f"a {v.type_name}"
    if isinstance(v, np.ndarray):
        return f"an array of shape {v.shape}"
    return f"a {type(v).__name__}"


def expand(pattern: str, expected: Any) -> list[Path]:
    """Leaf paths of ``expected`` selected by a dotted glob (``grads.*``, ``config.v``)."""
    all_leaves = leaves(expected)
    out = []
    for path in all_leaves:
        d = dotted(path)
        if fnmatch.fnmatchcase(d, pattern) or d.startswith(pattern + "."):
            out.append(path)
    return out


# --- leaf comparison ---------------------------------------------------------------------


def _fmt(x: Any) -> str:
    try:
        return f"{float(x):.8g}"
    except (TypeError, ValueError):
        return repr(x)[:60]


def _as_number_array(value: Any) -> np.ndarray | None:
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, (bool, int, float, np.number)) and not isinstance(value, Unsupported):
        return np.asarray(value)
    return None


def compare_close(got: Any, exp: Any, tol: float, label: str,
                  atol: float | None = None,
                  kink: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
                  nan_equal: bool = False) -> OutputCheck:
    """Layered numeric comparison of one output (see the module docstring).

    ``kink``: ``(mask, low, high)`` arrays of the expected shape: where ``mask`` is set, any
    value in ``[low, high]`` passes (a function's value at a point with no derivative).
    ``nan_equal``: NaN where ``exp`` has NaN matches (only to compare with a *wrong variant*'s
    outputs when naming a mistake: a sqrt of a negative makes NaN in the same places; against
    the reference NaN never passes).
    """
    exp_arr = _as_number_array(exp)
    if exp_arr is None:
        return compare_exact(got, exp, label)
    is_array = isinstance(exp, np.ndarray) and exp.ndim > 0
    what = f"an array of shape {exp_arr.shape}" if is_array else "a number"
    if isinstance(got, Unsupported):
        hint = ("return a plain numpy array (np.asarray)" if "ndarray" in got.detail
                or "dtype" in got.detail else "return numbers or numpy arrays")
        detail = f" ({got.detail})" if got.detail else ""
        return OutputCheck(label, False, "unsupported",
                           f"{label} is a {got.type_name}{detail}; expected {what}: {hint}")
    if got is None:
        return OutputCheck(label, False, "none",
                           f"{label} is None; expected {what} (missing return, or a variable "
                           "left at None?)")
    got_arr = _as_number_array(got)
    if got_arr is None:
        return OutputCheck(label, False, "type", f"{label} is {_kind(got)}; expected {what}")
    if got_arr.dtype.kind == "c" and exp_arr.dtype.kind != "c":
        return OutputCheck(label, False, "dtype", f"{label} has complex dtype {got_arr.dtype}; "
                           "expected real numbers")
    total = int(exp_arr.size)
    if got_arr.shape != exp_arr.shape:
        if not is_array and got_arr.size == 1:
            got_arr = got_arr.reshape(())
        else:
            return _shape_mismatch(got_arr, exp_arr, tol, label)
    gf = got_arr.astype(np.float64, copy=False) if got_arr.dtype.kind != "c" else got_arr
    ef = exp_arr.astype(np.float64, copy=False) if exp_arr.dtype.kind != "c" else exp_arr
    finite = bool(np.isfinite(gf).all()) and bool(np.isfinite(ef).all())
    if finite:  # the common case: no NaN or inf on either side, nothing to mask
        bad_nan = bad_inf = exp_nan = None
    else:
        bad_nan = np.isnan(gf) & ~np.isnan(ef)
        bad_inf = np.isinf(gf) & ~(np.isinf(ef) & (gf == ef))
        exp_nan = np.isnan(ef) & ~np.isnan(gf) if nan_equal else np.isnan(ef)
    if not finite and (bad_nan.any() or bad_inf.any() or exp_nan.any()):
        mask = bad_nan | bad_inf | exp_nan
        idx = [int(i) for i in np.unravel_index(int(np.argmax(mask)), mask.shape)] if \
            mask.ndim else []
        kind = "NaN" if bad_nan.any() else "inf"
        where = f" (first at index {idx})" if idx else ""
        shape, bits = pack_mask(mask)
        return OutputCheck(label, False, "nonfinite",
                           f"{label} contains {kind} in {int(mask.sum())} of {total} "
                           f"element(s){where}; expected finite values (overflow, 0/0, "
                           "or sqrt of a negative?)", worst_index=idx or None,
                           wrong_elements=int(mask.sum()), total_elements=total,
                           shape=shape, wrong_mask=bits)
    with np.errstate(invalid="ignore", over="ignore"):
        elem = np.abs(gf - ef) / np.maximum(1e-8, np.abs(gf) + np.abs(ef))
        if not finite:
            both_inf = np.isinf(gf) & np.isinf(ef) & (gf == ef)
            elem = np.where(both_inf, 0.0, elem)
            if nan_equal:
                elem = np.where(np.isnan(gf) & np.isnan(ef), 0.0, elem)
        if atol is not None:
            elem = np.where(np.abs(gf - ef) <= atol, 0.0, elem)
    kink_used = 0
    if kink is not None and gf.dtype.kind != "c":
        mask, low, high = kink
        if mask.shape == elem.shape:
            slack = 1e-9 * np.maximum(1.0, np.abs(ef))
            inside = mask & (gf >= low - slack) & (gf <= high + slack)
            kink_used = int((inside & (elem > tol)).sum())
            elem = np.where(inside, 0.0, elem)
    err = float(np.max(elem)) if elem.size else 0.0
    if err <= tol:  # nothing is off: no need to find where
        res = OutputCheck(label, True, "pass", f"{label} matches (rel_error {err:.1e})",
                          rel_error=err, total_elements=total, wrong_elements=0)
        if kink_used:
            res.extra["kink"] = kink_used
        return res
    wrong = int((elem > tol).sum())
    flat = int(np.argmax(elem)) if elem.size else 0
    idx = [int(i) for i in np.unravel_index(flat, elem.shape)] if elem.ndim else []
    where = f", worst at index {idx}" if idx else ""
    spread = f"; {wrong} of {total} elements are off" if total > 1 else ""
    got_v = gf[tuple(idx)] if idx else gf[()]
    exp_v = ef[tuple(idx)] if idx else ef[()]
    shape, bits = pack_mask(elem > tol)
    return OutputCheck(
        label, False, "value",
        f"{label} is wrong: rel_error {err:.2e} (tolerance {tol:.0e}){where}{spread}",
        detail=f"got {_fmt(got_v)}, expected {_fmt(exp_v)}" + (f" at {idx}" if idx else ""),
        rel_error=err, worst_index=idx or None, wrong_elements=wrong, total_elements=total,
        shape=shape, wrong_mask=bits)


def _shape_mismatch(got: np.ndarray, exp: np.ndarray, tol: float, label: str) -> OutputCheck:
    msg = f"{label} has shape {got.shape}; expected {exp.shape}"
    status = "shape"
    if got.size == exp.size and got.dtype.kind in "biuf":
        g = got.astype(np.float64)
        if got.ndim == 2 and got.T.shape == exp.shape and rel_error(g.T, exp) <= tol:
            return OutputCheck(label, False, status, msg + ": the values are right but "
                               "transposed (check the order of your matrix product / .T)")
        if rel_error(g.reshape(exp.shape), exp) <= tol:
            return OutputCheck(label, False, status, msg + ": the values are right, only the "
                               "shape differs (flattened or reshaped; return the original "
                               "shape)")
    if got.ndim == exp.ndim + 1 and got.shape[-1] == 1 or got.ndim + 1 == exp.ndim:
        msg += " (a stray or missing axis of length 1? check keepdims / reshape)"
    elif got.shape and exp.shape and got.shape[0] == exp.shape[0] and len(got.shape) > 1:
        msg += " (sum over the batch axis, or a broadcast that went wrong?)"
    return OutputCheck(label, False, status, msg)


def compare_exact(got: Any, exp: Any, label: str) -> OutputCheck:
    """Equality for ints, strings, bools, None and shapes (ints equal to floats pass)."""
    if isinstance(exp, np.ndarray):
        if isinstance(got, np.ndarray) and got.shape == exp.shape and np.array_equal(got, exp):
            return OutputCheck(label, True, "pass", f"{label} matches")
        return OutputCheck(label, False, "value", f"{label} is not exactly as expected",
                           detail=f"got {_kind(got)}, expected {_kind(exp)}")
    if isinstance(got, Unsupported):
        return OutputCheck(label, False, "unsupported", f"{label} is a {got.type_name}; "
                           f"expected {_kind(exp)}")
    same = got == exp if type(got) is type(exp) else (
        isinstance(got, (int, float, np.number)) and isinstance(exp, (int, float, np.number))
        and not isinstance(got, bool) and not isinstance(exp, bool) and float(got) == float(exp))
    if bool(same):
        return OutputCheck(label, True, "pass", f"{label} matches")
    return OutputCheck(label, False, "value", f"{label} is not as expected",
                       detail=f"got {repr(got)[:80]}, expected {repr(exp)[:80]}")


# --- spec evaluation ---------------------------------------------------------------------


def _label(path: Path, comp: Comparator) -> str:
    return comp.label or render_path(path)


def kink_bounds(comp: Comparator, inputs: dict | None, shape: tuple
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """``(mask, low, high)`` for a comparator with a ``kink_input`` (see ``Comparator``)."""
    if not comp.kink_input or not inputs:
        return None
    found, x, _ = node_at(inputs, tuple(comp.kink_input.split(".")))
    if not found or not isinstance(x, np.ndarray) or x.shape != tuple(shape):
        return None
    scale: Any = 1.0
    if comp.kink_scale:
        found, scale, _ = node_at(inputs, tuple(comp.kink_scale.split(".")))
        if not found or np.shape(scale) not in ((), tuple(shape)):
            return None
    slopes = list(comp.kink_slopes) + [0.0]
    a = min(slopes) * np.asarray(scale, dtype=np.float64)
    b = max(slopes) * np.asarray(scale, dtype=np.float64)
    low = np.broadcast_to(np.minimum(a, b), shape)
    high = np.broadcast_to(np.maximum(a, b), shape)
    return x == 0, low, high


def evaluate(got: Any, expected: Any, spec: dict[str, Comparator], default_tol: float,
             kinds: tuple[str, ...] = ("close", "exact", "self", "drop"),
             inputs: dict | None = None, nan_equal: bool = False) -> list[OutputCheck]:
    """Judge every output named by ``spec`` (patterns over the expected outputs' paths);
    ``inputs`` (the case's) serve the comparators that name one (kinks); ``nan_equal``: see
    ``compare_close`` (matching a wrong variant only)."""
    results: list[OutputCheck] = []
    for pattern, comp in spec.items():
        if comp.kind not in kinds:
            continue
        tol = comp.tol if comp.tol is not None else default_tol
        paths = expand(pattern, expected)
        if not paths:
            results.append(OutputCheck(pattern, False, "missing",
                                       f"the reference has no output {pattern!r} (manifest "
                                       "error; tell your instructor)"))
            continue
        for path in paths:
            label = _label(path, comp)
            found, g, why = node_at(got, path)
            if not found:
                results.append(OutputCheck(label, False, "missing", f"{label} is missing: {why}"))
                continue
            e = node_at(expected, path)[1]
            if comp.kind == "close":
                kink = kink_bounds(comp, inputs, np.shape(e)) if comp.kink_input else None
                results.append(compare_close(g, e, tol, label, comp.atol, kink, nan_equal))
            elif comp.kind == "exact":
                results.append(compare_exact(g, e, label))
            elif comp.kind == "self":
                assert comp.against is not None
                f2, other, why2 = node_at(got, tuple(comp.against.split(".")) + path[1:])
                if not f2:
                    results.append(OutputCheck(label, False, "missing",
                                               f"{comp.against} is missing: {why2}"))
                    continue
                res = compare_close(g, other, tol, label, comp.atol)
                if not res.ok and res.status == "value":
                    res.message = (f"{label} disagrees with the numerical gradient of your own "
                                   f"loss (finite differences of the values your loss "
                                   f"returned): rel_error {res.rel_error:.2e} (tolerance "
                                   f"{tol:.0e})")
                results.append(res)
            elif comp.kind == "drop":
                results.append(_compare_drop(got, expected, path, comp, label))
    return results


def _compare_drop(got: Any, expected: Any, path: Path, comp: Comparator,
                  label: str) -> OutputCheck:
    assert comp.baseline is not None
    base_path = tuple(comp.baseline.split("."))
    fg, gb, _ = node_at(got, base_path)
    fv, gv, why = node_at(got, path)
    eb = node_at(expected, base_path)[1]
    ev = node_at(expected, path)[1]
    try:
        gbf, gvf, ebf, evf = (float(np.asarray(x).reshape(-1)[0]) for x in (gb, gv, eb, ev))
    except (TypeError, ValueError, IndexError):
        return OutputCheck(label, False, "type", f"{label} is not a number")
    if not (fg and fv) or not math.isfinite(gvf) or not math.isfinite(gbf):
        return OutputCheck(label, False, "nonfinite",
                           f"{label} is not finite: the training diverged (NaN or inf loss)")
    ref_drop = ebf - evf
    got_drop = gbf - gvf
    need = comp.fraction * ref_drop
    ok = got_drop >= need - 1e-12
    msg = (f"{label}: went from {gbf:.4g} to {gvf:.4g}; the reference goes from {ebf:.4g} to "
           f"{evf:.4g} (needed at least {comp.fraction:.0%} of its decrease)")
    return OutputCheck(label, ok, "pass" if ok else "value",
                       ("reduced the loss about as well as the reference: " if ok else
                        "did not reduce the loss enough: ") + msg,
                       extra={"got_drop": got_drop, "ref_drop": ref_drop})
