"""
First-order update rules that are commonly used for training neural networks.

Functions you implement in this file (each is marked YOUR CODE HERE):
- sgd_momentum
- sgd_nesterov_momentum
- rmsprop
- adam
sgd is given to you as an example of the API.

Each update rule accepts current weights and the gradient of the loss with
respect to those weights and produces the next set of weights. Each update
rule has the same interface:

def update(w, dw, config=None):

Inputs:
  - w: A numpy array giving the current weights.
  - dw: A numpy array of the same shape as w giving the gradient of the
    loss with respect to w.
  - config: A dictionary containing hyperparameter values such as learning
    rate, momentum, etc. If the update rule requires caching values over many
    iterations, then config will also hold these cached values.

Returns:
  - next_w: The next point after the update.
  - config: The config dictionary to be passed to the next iteration of the
    update rule.

NOTE: For most update rules, the default learning rate will probably not
perform well; however the default values of the other hyperparameters should
work well for a variety of different problems.

For efficiency, update rules may perform in-place updates, mutating w and
setting next_w equal to w. An update rule must never modify dw.

Conventions (these are what the autograder checks):
- Hyperparameters and state are read with config.setdefault(...), so a key
  that is already present in config (e.g. a velocity from a previous
  iteration) is used as given, and a missing key gets the documented default.
- Every piece of state an update rule uses (velocity, a, v, t) must be
  written back into config before returning, so that the next call
  continues from it.
- Momentum velocity sign convention: v = momentum * v - learning_rate * dw,
  and the step is next_w = w + v (for Nesterov momentum,
  next_w = w + v + momentum * (v - v_prev), where v_prev is the velocity
  before this update).
- Adam: the iteration counter t is incremented FIRST (t = t + 1), and the
  incremented t is used in the bias corrections 1 - beta1**t and
  1 - beta2**t. config['t'] holds the incremented value on return.
- RMSProp and Adam add epsilon outside the square root:
  dw / (np.sqrt(a) + epsilon). Adding epsilon inside the square root,
  dw / np.sqrt(a + epsilon), is also accepted.
"""

import numpy as np


def sgd(w, dw, config=None):
    """
    Performs vanilla stochastic gradient descent.

    Inputs:
    - w: A numpy array of any shape giving the current weights.
    - dw: A numpy array of the same shape as w giving the gradient of the
      loss with respect to w. Not modified.
    - config: A dictionary (or None) with the following keys:
      - learning_rate: Scalar learning rate. Default 1e-2.

    Returns a tuple of:
    - next_w: The updated weights, same shape as w (w is updated in place
      and returned).
    - config: The config dictionary, with the defaults filled in.
    """
    if config is None:
        config = {}
    config.setdefault('learning_rate', 1e-2)

    w -= config['learning_rate'] * dw
    return w, config


def sgd_momentum(w, dw, config=None):
    """
    Performs stochastic gradient descent with momentum.

    Inputs:
    - w: A numpy array of any shape giving the current weights.
    - dw: A numpy array of the same shape as w giving the gradient of the
      loss with respect to w. Not modified.
    - config: A dictionary (or None) with the following keys:
      - learning_rate: Scalar learning rate. Default 1e-2.
      - momentum: Scalar between 0 and 1 giving the momentum value.
        Setting momentum = 0 reduces to sgd. Default 0.9.
      - velocity: A numpy array of the same shape as w used to store a
        moving average of the gradients. Default np.zeros_like(w).

    Returns a tuple of:
    - next_w: The updated weights, a numpy array of the same shape as w.
    - config: The config dictionary; config['velocity'] holds the updated
      velocity, same shape as w.

    Update (velocity sign convention checked by the grader):
      v = momentum * v - learning_rate * dw
      next_w = w + v
    """
    if config is None:
        config = {}
    config.setdefault('learning_rate', 1e-2)
    config.setdefault('momentum', 0.9)
    v = config.setdefault('velocity', np.zeros_like(w))

    next_w = None
    # ================================================================ #
    # YOUR CODE HERE:
    #   Implement the momentum update formula. Store the updated velocity
    #   in v and the updated weights in next_w.
    # ================================================================ #
    v = config['momentum'] * v - config['learning_rate'] * dw
    next_w = w + v
    # ================================================================ #
    # END YOUR CODE HERE
    # ================================================================ #

    config['velocity'] = v

    return next_w, config


def sgd_nesterov_momentum(w, dw, config=None):
    """
    Performs stochastic gradient descent with Nesterov momentum.

    Inputs:
    - w: A numpy array of any shape giving the current weights.
    - dw: A numpy array of the same shape as w giving the gradient of the
      loss with respect to w. Not modified.
    - config: A dictionary (or None) with the following keys:
      - learning_rate: Scalar learning rate. Default 1e-2.
      - momentum: Scalar between 0 and 1 giving the momentum value.
        Setting momentum = 0 reduces to sgd. Default 0.9.
      - velocity: A numpy array of the same shape as w used to store a
        moving average of the gradients. Default np.zeros_like(w).

    Returns a tuple of:
    - next_w: The updated weights, a numpy array of the same shape as w.
    - config: The config dictionary; config['velocity'] holds the updated
      velocity, same shape as w.

    Update (velocity sign convention checked by the grader):
      v_prev = v
      v = momentum * v - learning_rate * dw
      next_w = w + v + momentum * (v - v_prev)
    which is the same as next_w = w - momentum * v_prev + (1 + momentum) * v.
    """
    if config is None:
        config = {}
    config.setdefault('learning_rate', 1e-2)
    config.setdefault('momentum', 0.9)
    v = config.setdefault('velocity', np.zeros_like(w))

    next_w = None
    # ================================================================ #
    # YOUR CODE HERE:
    #   Implement the Nesterov momentum update formula. Store the updated
    #   velocity in v and the updated weights in next_w.
    # ================================================================ #
    v_prev = v
    v = config['momentum'] * v - config['learning_rate'] * dw
    next_w = w + v + config['momentum'] * (v - v_prev)
    # ================================================================ #
    # END YOUR CODE HERE
    # ================================================================ #

    config['velocity'] = v

    return next_w, config


def rmsprop(w, dw, config=None):
    """
    Uses the RMSProp update rule, which uses a moving average of squared
    gradient values to set adaptive per-parameter learning rates.

    Inputs:
    - w: A numpy array of any shape giving the current weights.
    - dw: A numpy array of the same shape as w giving the gradient of the
      loss with respect to w. Not modified.
    - config: A dictionary (or None) with the following keys:
      - learning_rate: Scalar learning rate. Default 1e-2.
      - decay_rate: Scalar between 0 and 1 giving the decay rate for the
        squared gradient cache. Default 0.99.
      - epsilon: Small scalar used for smoothing to avoid dividing by zero.
        Default 1e-8.
      - a: A numpy array of the same shape as w holding the moving average
        of second moments of the gradients. Default np.zeros_like(w).

    Returns a tuple of:
    - next_w: The updated weights, a numpy array of the same shape as w.
    - config: The config dictionary; config['a'] holds the updated moving
      average, same shape as w.

    Update:
      a = decay_rate * a + (1 - decay_rate) * dw**2
      next_w = w - learning_rate * dw / (np.sqrt(a) + epsilon)
    (epsilon inside the square root is also accepted.)
    """
    if config is None:
        config = {}
    config.setdefault('learning_rate', 1e-2)
    config.setdefault('decay_rate', 0.99)
    config.setdefault('epsilon', 1e-8)
    config.setdefault('a', np.zeros_like(w))

    next_w = None
    # ================================================================ #
    # YOUR CODE HERE:
    #   Implement RMSProp. Store the next value of w as next_w. You need
    #   to also store the updated moving average of the squared gradients
    #   in config['a'].
    # ================================================================ #
    decay_rate = config['decay_rate']
    a = decay_rate * config['a'] + (1 - decay_rate) * dw**2
    lr, eps = config['learning_rate'], config['epsilon']
    next_w = w - lr * dw / (np.sqrt(a) + eps)
    config['a'] = a
    # ================================================================ #
    # END YOUR CODE HERE
    # ================================================================ #

    return next_w, config


def adam(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault('learning_rate', 1e-3)
    config.setdefault('beta1', 0.9)
    config.setdefault('beta2', 0.999)
    config.setdefault('epsilon', 1e-8)
    config.setdefault('v', np.zeros_like(w))
    config.setdefault('a', np.zeros_like(w))
    config.setdefault('t', 0)

    next_w = None
    beta1, beta2 = config['beta1'], config['beta2']
    t = config['t'] + 1
    v = beta1 * config['v'] + (1 - beta1) * dw
    a = beta2 * config['a'] + (1 - beta2) * dw**2
    v_hat = v
    a_hat = a
    lr, eps = config['learning_rate'], config['epsilon']
    next_w = w - lr * v_hat / (np.sqrt(a_hat) + eps)
    config['t'] = t
    config['v'] = v
    config['a'] = a

    return next_w, config
