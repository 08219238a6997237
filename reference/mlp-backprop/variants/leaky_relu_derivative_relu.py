"""Known variant: the ReLU derivative."""

import numpy as np


class Hidden:
    def leaky_relu_derivative(self, h):
        return 1.0*(h>0)
