"""Known variant: no epsilon in the denominator."""

# The seed's API: activation objects as default arguments; its given lines kept verbatim.
# ruff: noqa: B008, E501

import numpy as np


class Adam:
    def step(self):
        for key in self.network.parameters.keys():
            grad_key = 'd' + key
            param = self.network.parameters[key]
            grad = self.network.grads[grad_key]
            if key not in self.velocities:
                self.velocities[key] = np.zeros_like(param)
            velocity = self.velocities[key]
            if key not in self.squared_gradients:
                self.squared_gradients[key] = np.zeros_like(param)
            squared_gradient = self.squared_gradients[key]
            velocity = self.beta1 * velocity + (1 - self.beta1) * grad
            squared_gradient = self.beta2 * squared_gradient + (1 - self.beta2) * grad**2
            param = param - self.learning_rate * velocity / np.sqrt(squared_gradient)
            self.velocities[key] = velocity
            self.squared_gradients[key] = squared_gradient
            self.network.parameters[key] = param
