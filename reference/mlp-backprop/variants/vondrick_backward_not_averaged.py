"""Known variant: gradients not divided by the batch size."""

import numpy as np


class Hidden_Vondrick:
    def backward_pass(self, X, h, dLdh, alpha, learning_rate=0.0005):
        dh_dU, dh_dexponent = self.vondrick_activation_derivative()
        m = X.shape[0]
        dLdU = np.multiply(dLdh, dh_dU)
        dLdW = X.T @ dLdU + alpha * self.W
        dLdc = np.sum(dLdU, axis=0)
        dL_dexponent = np.sum(dLdh * dh_dexponent)
        for_prev = dLdU @ self.W.T
        self.W, self.c = self.update_weights(self.W, self.c, dLdW, dLdc, 0.0005)
        self.vondrick_exponent = max(1.01, self.vondrick_exponent - 0.001 * dL_dexponent)
        return for_prev
