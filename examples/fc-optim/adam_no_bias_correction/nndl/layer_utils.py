"""
Convenience "sandwich" layers built from the layers in nndl/layers.py.

Functions you implement in this file (each is marked YOUR CODE HERE; copy
them from your HW #3 implementation):
- affine_relu_forward
- affine_relu_backward
"""

# ruff: noqa: F403, F405
from .layers import *


def affine_relu_forward(x, w, b):
    """
    Convenience layer that performs an affine transform followed by a ReLU.

    Inputs:
    - x: Input to the affine layer, of shape (N, d_1, ..., d_k)
    - w: Weights for the affine layer, of shape (D, M) with
      D = d_1 * ... * d_k
    - b: Biases for the affine layer, of shape (M,)

    Returns a tuple of:
    - out: Output from the ReLU, of shape (N, M)
    - cache: Tuple (fc_cache, relu_cache) to give to the backward pass,
      where fc_cache is the cache of affine_forward and relu_cache the cache
      of relu_forward
    """
    out, cache = None, None
    # ================================================================ #
    # YOUR CODE HERE:
    #   Call affine_forward and then relu_forward; set
    #   cache = (fc_cache, relu_cache).
    # ================================================================ #
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    cache = (fc_cache, relu_cache)
    # ================================================================ #
    # END YOUR CODE HERE
    # ================================================================ #

    return out, cache


def affine_relu_backward(dout, cache):
    """
    Backward pass for the affine-relu convenience layer.

    Inputs:
    - dout: Upstream derivative, of shape (N, M)
    - cache: Tuple (fc_cache, relu_cache) from affine_relu_forward

    Returns a tuple of:
    - dx: Gradient with respect to x, of shape (N, d_1, ..., d_k)
    - dw: Gradient with respect to w, of shape (D, M)
    - db: Gradient with respect to b, of shape (M,)
    """
    dx, dw, db = None, None, None
    # ================================================================ #
    # YOUR CODE HERE:
    #   Call relu_backward and then affine_backward, using the two caches
    #   stored in cache.
    # ================================================================ #
    fc_cache, relu_cache = cache
    da = relu_backward(dout, relu_cache)
    dx, dw, db = affine_backward(da, fc_cache)
    # ================================================================ #
    # END YOUR CODE HERE
    # ================================================================ #

    return dx, dw, db
