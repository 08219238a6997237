"""Known variant: no epsilon in the denominator."""

# The seed's API: activation objects as default arguments; its given lines kept verbatim.
# ruff: noqa: B008, E501

import numpy as np


class RMSProp:
    def step(self):
        for key in self.network.parameters.keys():
            grad_key = 'd' + key
            param = self.network.parameters[key]
            grad = self.network.grads[grad_key]
            if key not in self.squared_gradients:
                self.squared_gradients[key] = np.zeros_like(param)
            squared_gradient = self.squared_gradients[key]
            squared_gradient = self.beta * squared_gradient + (1 - self.beta) * grad**2
            param = param - self.learning_rate * grad / np.sqrt(squared_gradient)
            self.squared_gradients[key] = squared_gradient
            self.network.parameters[key] = param
