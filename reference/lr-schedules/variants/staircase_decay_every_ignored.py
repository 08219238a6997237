"""Known variant: the staircase's step length ignored (always 10 epochs)."""

import numpy as np


def staircase_decay(epoch_num, alpha0=1.0, k=0.9, every=10):
    return alpha0 * k ** ((epoch_num - 1) // 10)
