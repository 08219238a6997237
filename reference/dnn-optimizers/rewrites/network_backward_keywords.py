"""Equivalent rewrite: back_propagation called with keyword arguments in another order."""

# The seed's API: activation objects as default arguments.
# ruff: noqa: B008

import numpy as np


class NeuralNetwork:
    def backward(self, Y):
        self.grads = back_propagation(caches=self.caches, parameters=self.parameters, Y=Y,
                                      act_derivative=self.act.derivative)
