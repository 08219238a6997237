"""Known variant: no regularization in the weight gradient."""

import numpy as np


class Hidden:
    def backward_pass(self, X, h, dLdh, alpha, learning_rate):
        m = X.shape[0]
        dLdU = np.multiply(dLdh, self.leaky_relu_derivative(h))
        dLdW = X.T @ dLdU / m
        dLdc = np.sum(dLdU, axis=0) / m
        for_prev = dLdU @ self.W.T
        self.W, self.c = self.update_weights(self.W, self.c, dLdW, dLdc, learning_rate)
        return for_prev
