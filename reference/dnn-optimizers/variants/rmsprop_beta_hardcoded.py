"""Known variant: beta hard-coded (0.9) instead of self.beta."""

# The seed's API: activation objects as default arguments; its given lines kept verbatim.
# ruff: noqa: B008, E501

import numpy as np


class RMSProp:
    def step(self):
        eps = 1e-8
        for key in self.network.parameters.keys():
            grad_key = 'd' + key
            param = self.network.parameters[key]
            grad = self.network.grads[grad_key]
            if key not in self.squared_gradients:
                self.squared_gradients[key] = np.zeros_like(param)
            squared_gradient = self.squared_gradients[key]
            squared_gradient = 0.9 * squared_gradient + (1 - 0.9) * grad**2
            param = param - self.learning_rate * grad / (np.sqrt(squared_gradient) + eps)
            self.squared_gradients[key] = squared_gradient
            self.network.parameters[key] = param
