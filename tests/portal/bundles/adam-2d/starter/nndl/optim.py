import numpy as np  # noqa: F401 - students use it


def adam(w, dw, config=None):
    """Adam. config: learning_rate (1e-3), beta1 (0.9), beta2 (0.999), epsilon (1e-8),
    v, a (moments, zeros), t (0). Returns (next_w, config)."""
    if config is None:
        config = {}
    next_w = None
    # ================================================================ #
    # YOUR CODE HERE: Adam with bias correction (t incremented first).
    # ================================================================ #
    return next_w, config
