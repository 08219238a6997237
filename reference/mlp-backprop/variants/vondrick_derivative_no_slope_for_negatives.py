"""Known variant: dh/dU of 0 for U <= 0."""

import numpy as np


class Hidden_Vondrick:
    def vondrick_activation_derivative(self):
        n, U = self.vondrick_exponent, self.U
        positive = U > 0
        safe = np.where(positive, U, 1.0)
        dh_dU = np.where(positive, n * safe ** (n - 1), 0.0)
        return dh_dU, np.where(positive, np.log(safe) * safe ** n, 0.0)
