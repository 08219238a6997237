"""Equivalent rewrite: the velocities kept with setdefault and updated in place."""

# The seed's API: activation objects as default arguments.
# ruff: noqa: B008

import numpy as np


class GradientDescentWithMomentum:
    def step(self):
        for key, param in self.network.parameters.items():
            g = self.network.grads['d' + key]
            v = self.velocities.setdefault(key, np.zeros_like(param))
            v *= self.beta
            v += (1 - self.beta) * g
            param -= self.learning_rate * v
