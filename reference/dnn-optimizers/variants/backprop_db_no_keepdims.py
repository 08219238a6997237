"""Known variant: db summed without keepdims, shape (n^l,)."""

# The seed's API: activation objects as default arguments; its given lines kept verbatim.
# ruff: noqa: B008, E501

import numpy as np


def back_propagation(Y, parameters, caches, act_derivative=ReLU().derivative):
    L = len(parameters) // 2
    m = Y.shape[1]
    grads = {}
    ZL = caches['Z' + str(L)]
    AL = caches['A' + str(L)]
    dZ = (AL - Y) / m * act_derivative(ZL)
    for l in reversed(range(1, L+1)):
        A_prev = caches['A' + str(l-1)]
        dW = dZ @ A_prev.T
        db = np.sum(dZ, axis=1)
        grads['dW' + str(l)] = dW
        grads['db' + str(l)] = db
        W = parameters['W' + str(l)]
        if l > 1:
            Z_prev = caches['Z' + str(l - 1)]
            dZ = W.T @ dZ * act_derivative(Z_prev)
    return grads
