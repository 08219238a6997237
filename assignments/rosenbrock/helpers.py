"""Sandbox helpers of rosenbrock: the gradient functions the drivers pass to the optimizers.

The student's ``gd``, ``gd_with_mom`` and ``adams`` own their loop and call ``grad(params)``
once per step, up to 10**5 times in a run: a round trip to the grader per call would cost
minutes, so the gradient is computed here, inside the check's child, by these objects (built
by the trusted side with the case's function). Nothing here is trusted: a submission that
changes them changes only its own trajectory, which is what the verdict compares with the
reference's trajectory (computed when the fixtures were built) and from which the trusted
side computes the errors, the divergence and the steps to convergence.
"""

import numpy as np


class Rosenbrock:
    """Gradient of the generalized Rosenbrock function (a - x)**2 + b * (y - x**2)**2."""

    def __init__(self, a=1.0, b=100.0):
        self.a = float(a)
        self.b = float(b)

    def __call__(self, params):
        """The gradient at ``params`` = (x, y), an array of shape (2,)."""
        x, y = float(params[0]), float(params[1])
        a, b = self.a, self.b
        with np.errstate(all="ignore"):
            return np.array([-2 * (a - x) - 4 * b * x * (y - x * x), 2 * b * (y - x * x)])


class Quadratic:
    """Gradient of the quadratic 0.5 p^T A p + c^T p (A symmetric positive definite)."""

    def __init__(self, A, c):
        self.A = np.asarray(A, dtype=np.float64)
        self.c = np.asarray(c, dtype=np.float64)

    def __call__(self, params):
        """The gradient A p + c at ``params`` = (x, y), an array of shape (2,)."""
        with np.errstate(all="ignore"):
            return self.A @ np.asarray(params, dtype=np.float64).reshape(2) + self.c
