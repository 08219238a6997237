"""Known variant: epsilon outside the square root (accepted)."""

import numpy as np


def adagrad(x, y, dx, dy, v_x, v_y, hparams):
    eps, alpha = hparams["eps"], hparams["alpha"]
    v_x = v_x + dx**2
    v_y = v_y + dy**2
    x = x - alpha * dx / (np.sqrt(v_x) + eps)
    y = y - alpha * dy / (np.sqrt(v_y) + eps)
    return x, y, v_x, v_y
