"""Known variant: derivative 0 at h = 0 (the seed student's; accepted: at the kink any value
between the one-sided derivatives 0.01 and 1, and 0, is right)."""

import numpy as np


class Hidden:
    def leaky_relu_derivative(self, h):
        return 1.0*(h>0) + 0.01*(h<0)
