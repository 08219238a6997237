"""Known variant: weights drawn with the transposed shape."""

# The seed's API: activation objects as default arguments; its given lines kept verbatim.
# ruff: noqa: B008, E501

import numpy as np


def initialize_dnn_parameters(layer_dims):
    L = len(layer_dims)
    parameters = {}
    for l in range(1, L):
        parameters['W' + str(l)] = np.random.randn(layer_dims[l-1], layer_dims[l]) / np.sqrt(layer_dims[l-1])
        parameters['b' + str(l)] = np.zeros((layer_dims[l], 1))
    return parameters
