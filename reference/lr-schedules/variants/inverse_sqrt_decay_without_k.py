"""Known variant: the factor k left out."""

import numpy as np


def inverse_sqrt_decay(epoch_num, alpha0=1.0, k=0.95):
    return alpha0 / np.sqrt(epoch_num)
