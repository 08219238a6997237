"""Known variant: k**t instead of exp(-k t)."""

import numpy as np


def exponential_decay(epoch_num, alpha0=1.0, k=0.5):
    return k ** epoch_num * alpha0
