"""Known variant: noise added, as the handout's docstring says."""

import numpy as np


def adagrad(x, y, dx, dy, v_x, v_y, hparams):
    eps, alpha = hparams["eps"], hparams["alpha"]
    dx, dy = gauss(dx, 1), gauss(dy, 1)
    v_x = v_x + dx**2
    v_y = v_y + dy**2
    x = x - alpha * dx / np.sqrt(v_x + eps)
    y = y - alpha * dy / np.sqrt(v_y + eps)
    return x, y, v_x, v_y
