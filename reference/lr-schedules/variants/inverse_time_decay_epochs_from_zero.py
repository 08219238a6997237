"""Known variant: epochs counted from 0."""

import numpy as np


def inverse_time_decay(epoch_num, alpha0=1.0, k=1.0):
    return alpha0 / (1 + k * (epoch_num - 1))
