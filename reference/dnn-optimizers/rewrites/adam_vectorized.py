"""Equivalent rewrite: Adam with dict.get state and the step in one expression."""

# The seed's API: activation objects as default arguments.
# ruff: noqa: B008

import numpy as np


class Adam:
    def step(self):
        for key in self.network.parameters:
            g = self.network.grads['d' + key]
            v = self.beta1 * self.velocities.get(key, 0.0) + (1 - self.beta1) * g
            s = self.beta2 * self.squared_gradients.get(key, 0.0) + (1 - self.beta2) * g * g
            self.velocities[key], self.squared_gradients[key] = v, s
            self.network.parameters[key] = self.network.parameters[key] - \
                self.learning_rate * v / (np.sqrt(s) + 1e-8)
