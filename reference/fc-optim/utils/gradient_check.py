"""
Numerical gradients by centered finite differences, for checking analytic
gradients. (Given code.)
"""

import numpy as np


def eval_numerical_gradient(f, x, verbose=True, h=1e-5):
    """
    A naive implementation of the numerical gradient of f at x.

    Inputs:
    - f: A function that takes a single argument (the array x) and returns
      a scalar.
    - x: A numpy array (of floats) giving the point at which to evaluate the
      gradient. It is perturbed in place and restored before returning.
    - verbose: If True, print each index and its partial derivative.
    - h: Step size of the centered difference. Default 1e-5.

    Returns:
    - grad: A numpy array of the same shape as x, with
      grad[ix] = (f(x + h e_ix) - f(x - h e_ix)) / (2 h).
    """
    grad = np.zeros_like(x)
    # iterate over all indexes in x
    it = np.nditer(x, flags=['multi_index'], op_flags=['readwrite'])
    while not it.finished:
        ix = it.multi_index
        oldval = x[ix]
        x[ix] = oldval + h  # increment by h
        fxph = f(x)  # evaluate f(x + h)
        x[ix] = oldval - h
        fxmh = f(x)  # evaluate f(x - h)
        x[ix] = oldval  # restore

        # compute the partial derivative with the centered formula
        grad[ix] = (fxph - fxmh) / (2 * h)
        if verbose:
            print(ix, grad[ix])
        it.iternext()  # step to next dimension

    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """
    Evaluate a numeric gradient for a function that accepts a numpy array
    and returns a numpy array.

    Inputs:
    - f: A function that takes a single argument (the array x) and returns
      a numpy array.
    - x: A numpy array (of floats) giving the point at which to evaluate the
      gradient. It is perturbed in place and restored before returning.
    - df: Upstream derivative, a numpy array of the same shape as f(x).
    - h: Step size of the centered difference. Default 1e-5.

    Returns:
    - grad: A numpy array of the same shape as x, the gradient of
      np.sum(f(x) * df) with respect to x.
    """
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=['multi_index'], op_flags=['readwrite'])
    while not it.finished:
        ix = it.multi_index

        oldval = x[ix]
        x[ix] = oldval + h
        pos = f(x).copy()
        x[ix] = oldval - h
        neg = f(x).copy()
        x[ix] = oldval

        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
        it.iternext()
    return grad
