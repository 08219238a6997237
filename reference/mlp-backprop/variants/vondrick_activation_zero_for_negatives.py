"""Known variant: 0 for U <= 0."""

import numpy as np


class Hidden_Vondrick:
    def vondrick_activation(self, U):
        vondrick = np.vectorize(lambda x: x**self.vondrick_exponent if x > 0 else 0.0)
        return vondrick(U)
