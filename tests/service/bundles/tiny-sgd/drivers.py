"""Drivers of tiny-sgd (run in the sandbox)."""

import numpy as np


def step(ctx):
    next_w, config = ctx.target(ctx.inputs["w"], ctx.inputs["dw"], ctx.inputs["config"])
    return {"next_w": np.array(next_w, dtype=float) if next_w is not None else None,
            "velocity": np.array(config["velocity"], dtype=float)}
