"""Known variant: ReLU'(0) = 0 (accepted: the left-hand derivative at the kink)."""

# The seed's API: activation objects as default arguments; its given lines kept verbatim.
# ruff: noqa: B008, E501

import numpy as np


class ReLU:
    def derivative(self, x):
        return (x > 0).astype(int)
