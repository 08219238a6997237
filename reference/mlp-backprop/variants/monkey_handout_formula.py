"""Known variant: the handout's x^3 + 3xy^2 (accepted)."""

import numpy as np


def monkey():
    def f(x, y):
        return x**3 + 3*x*y**2

    def opt():
        return np.array([0., 0.])

    return f, opt
