"""Known variant: epsilon hard-coded (1e-8) instead of read from hparams."""

import numpy as np


def adam(x, y, dx, dy, f_x, f_y, s_x, s_y, i, hparams):
    alpha = hparams["alpha"]
    beta_1, beta_2 = hparams["beta_1"], hparams["beta_2"]
    f_x = beta_1*f_x + (1-beta_1)*dx
    f_y = beta_1*f_y + (1-beta_1)*dy
    s_x = beta_2*s_x + (1-beta_2)*dx**2
    s_y = beta_2*s_y + (1-beta_2)*dy**2
    t = i + 1
    x = x - alpha * (f_x / (1 - beta_1**t)) / np.sqrt(s_x / (1 - beta_2**t) + 1e-8)
    y = y - alpha * (f_y / (1 - beta_1**t)) / np.sqrt(s_y / (1 - beta_2**t) + 1e-8)
    return x, y, f_x, f_y, s_x, s_y
