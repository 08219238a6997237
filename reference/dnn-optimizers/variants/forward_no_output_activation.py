"""Known variant: the output layer is linear (no activation)."""

# The seed's API: activation objects as default arguments; its given lines kept verbatim.
# ruff: noqa: B008, E501


def forward_propagation(X, parameters, act=ReLU()):
    L = len(parameters) // 2
    A = X
    caches = {}
    caches['A0'] = A
    for l in range(1, L+1):
        A_prev = A
        W = parameters['W' + str(l)]
        b = parameters['b' + str(l)]
        if l < L:
            A, Z = layer(A_prev, W, b, act)
        else:
            Z = W @ A_prev + b
            A = Z
        caches['Z' + str(l)] = Z
        caches['A' + str(l)] = A
    return A, caches
