"""Drivers of adam-2d (run in the sandbox)."""

import numpy as np


def _pair(out, name):
    if not isinstance(out, tuple) or len(out) != 2:
        raise TypeError(f"{name} must return a tuple (next_w, config)")
    return out


def optim_step(ctx):
    next_w, config = _pair(ctx.target(ctx.inputs["w"], ctx.inputs["dw"], ctx.inputs["config"]),
                           "adam")
    return {"next_w": None if next_w is None else np.array(next_w, dtype=float),
            "config": {"v": np.array(config["v"], dtype=float),
                       "a": np.array(config["a"], dtype=float)}}


def trajectory_2d(ctx):
    A, b = ctx.inputs["A"], ctx.inputs["b"]
    p = ctx.inputs["start"]
    config = ctx.inputs["config"]
    path = [p.copy()]
    for _ in range(int(ctx.inputs["steps"])):
        next_p, config = _pair(ctx.target(p, A @ p + b, config), "adam")
        p = np.array(next_p, dtype=float, copy=True).reshape(2)
        path.append(p.copy())
    path = np.array(path)
    return {"path": path, "values": 0.5 * np.einsum("ni,ij,nj->n", path, A, path) + path @ b}
