"""Known variant: exp(-k t) instead of k**t."""

import numpy as np


def power_decay(epoch_num, alpha0=1.0, k=0.95):
    return alpha0 * np.exp(-k * epoch_num)
