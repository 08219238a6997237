"""Equivalent rewrite: GradientDescent.step without gradient_descent_step, updating the
arrays in place."""

# The seed's API: activation objects as default arguments.
# ruff: noqa: B008

import numpy as np


class GradientDescent:
    def step(self):
        for key, param in self.network.parameters.items():
            param -= self.learning_rate * self.network.grads['d' + key]
