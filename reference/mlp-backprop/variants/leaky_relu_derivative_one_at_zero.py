"""Known variant: derivative 1 at h = 0 (accepted)."""

import numpy as np


class Hidden:
    def leaky_relu_derivative(self, h):
        return np.where(h >= 0, 1.0, 0.01)
