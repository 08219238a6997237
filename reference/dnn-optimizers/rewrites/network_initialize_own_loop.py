"""Equivalent rewrite: the layer sizes built with a loop, initialize_dnn_parameters called
with a keyword."""

# The seed's API: activation objects as default arguments.
# ruff: noqa: B008

import numpy as np


class NeuralNetwork:
    def initialize(self):
        dims = [self.n_x]
        for _ in range(self.depth - 1):
            dims.append(self.n_h)
        dims.append(self.n_y)
        self.parameters = initialize_dnn_parameters(layer_dims=dims)
