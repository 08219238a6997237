"""Known variant: the bias is not added."""

# The seed's API: activation objects as default arguments; its given lines kept verbatim.
# ruff: noqa: B008, E501


def layer(A_prev, W, b, act=ReLU()):
    Z = W @ A_prev
    A = act(Z)
    return A, Z
