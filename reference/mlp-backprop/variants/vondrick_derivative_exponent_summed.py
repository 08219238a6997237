"""Known variant: dh/dexponent summed to a scalar (the handout's)."""

import numpy as np


class Hidden_Vondrick:
    def vondrick_activation_derivative(self):
        n = self.vondrick_exponent
        U_func = np.vectorize(lambda x: n*x**(n-1) if x > 0 else 0.01)
        exp_func = np.vectorize(lambda x: np.log(x)*x**self.vondrick_exponent if x > 0 else 0)
        derivative_wrt_U = U_func(self.U)
        derivative_wrt_exponent = np.sum(exp_func(self.U))
        return derivative_wrt_U, derivative_wrt_exponent
