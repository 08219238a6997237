"""Equivalent rewrite: layer() called with keyword arguments, the activation's forward passed
on."""

# The seed's API: activation objects as default arguments.
# ruff: noqa: B008

import numpy as np


def forward_propagation(X, parameters, act=ReLU()):
    caches = {'A0': X}
    A = X
    for l in range(1, len(parameters) // 2 + 1):
        A, Z = layer(A_prev=A, W=parameters['W' + str(l)], b=parameters['b' + str(l)],
                     act=act)
        caches.update({'Z' + str(l): Z, 'A' + str(l): A})
    return A, caches
