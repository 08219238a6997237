"""Known variant: epsilon hard-coded (the notebook's 1e-7) instead of read from hparams."""

import numpy as np


def adagrad(x, y, dx, dy, v_x, v_y, hparams):
    alpha = hparams["alpha"]
    v_x = v_x + dx**2
    v_y = v_y + dy**2
    x = x - alpha * dx / np.sqrt(v_x + 1e-7)
    y = y - alpha * dy / np.sqrt(v_y + 1e-7)
    return x, y, v_x, v_y
