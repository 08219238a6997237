"""Known variant: ReLU mask on at zero."""

import numpy as np


def relu_backward(dout, cache):
    x = cache
    dx = dout * (x >= 0)
    return dx
