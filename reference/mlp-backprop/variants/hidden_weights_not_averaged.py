"""Known variant: weight gradient not divided by the batch size (the handout's)."""

import numpy as np


class Hidden:
    def backward_pass(self, X, h, dLdh, alpha, learning_rate):
        m = X.shape[0]
        dLdU = np.multiply(dLdh, self.leaky_relu_derivative(h))
        dLdW = X.T @ dLdU + alpha * self.W
        dLdc = np.sum(dLdU, axis=0) / m
        for_prev = dLdU @ self.W.T
        self.W, self.c = self.update_weights(self.W, self.c, dLdW, dLdc, learning_rate)
        return for_prev
