"""Equivalent rewrite: forward_propagation without layer(), the activation applied inline,
the caches filled in another order."""

# The seed's API: activation objects as default arguments.
# ruff: noqa: B008

import numpy as np


def forward_propagation(X, parameters, act=ReLU()):
    L = len(parameters) // 2
    caches = {}
    A = X
    for l in range(1, L + 1):
        Z = np.dot(parameters[f'W{l}'], A) + parameters[f'b{l}']
        A = act(Z)
        caches[f'A{l}'] = A
        caches[f'Z{l}'] = Z
    caches['A0'] = X
    return A, caches
