"""Known variant: derivative 0 at h = 0 (the handout's)."""

import numpy as np


class Hidden:
    def leaky_relu_derivative(self, h):
        return 1.0*(h>0) + 0.01*(h<0)
