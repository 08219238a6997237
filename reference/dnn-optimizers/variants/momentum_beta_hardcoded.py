"""Known variant: beta hard-coded (0.9) instead of self.beta."""

# The seed's API: activation objects as default arguments; its given lines kept verbatim.
# ruff: noqa: B008, E501

import numpy as np


class GradientDescentWithMomentum:
    def step(self):
        for key in self.network.parameters.keys():
            grad_key = 'd' + key
            param = self.network.parameters[key]
            grad = self.network.grads[grad_key]
            if key not in self.velocities:
                self.velocities[key] = np.zeros_like(param)
            velocity = self.velocities[key]
            velocity = 0.9 * velocity + (1 - 0.9) * grad
            param = param - self.learning_rate * velocity
            self.velocities[key] = velocity
            self.network.parameters[key] = param
