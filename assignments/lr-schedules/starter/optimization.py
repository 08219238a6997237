"""
Parameter updates and learning rate decay, in the notation of the lecture
(CMPE 258, "Optimization").

What you implement in this file (each is marked YOUR CODE HERE):

Parameter updates (the API of CS231n's optim.py: next_w, config = rule(w, dw,
config); config holds the hyperparameters and the state carried from one
call to the next):
- momentum   gradient descent with momentum, as an exponential average
- adagrad    adaptive learning rate from the sum of squared gradients
- rmsprop    root mean square prop
- adam       adaptive moment estimation, with bias correction

Learning rate decay (functions of the epoch number; epochs are counted
from 1: the first pass through the data is epoch_num = 1):
- inverse_time_decay   alpha = alpha0 / (1 + k * epoch_num)     ("1/t decay")
- inverse_sqrt_decay   alpha = k * alpha0 / sqrt(epoch_num)     ("1/t decay")
- exponential_decay    alpha = alpha0 * exp(-k * epoch_num)     ("exponential decay")
- power_decay          alpha = k**epoch_num * alpha0            ("exponentially decay")
- staircase_decay      alpha = alpha0 * k**((epoch_num - 1) // every)
                       ("discrete staircase": alpha = k * alpha every `every`
                       epochs; epochs 1..every use alpha0, the next `every`
                       epochs k * alpha0, and so on)

Conventions (these are what the autograder checks):
- Every update rule reads its hyperparameters and state with
  config.setdefault(...), so keys already in config are used as given and
  missing ones get the documented defaults, and writes its new state back
  into config before returning. An update rule must never modify dw.
- Momentum is the exponential average of the slides ("Gradient descent with
  momentum"): v = beta1 * v + (1 - beta1) * dw, next_w = w - alpha * v.
  (Not the velocity form v = beta * v - alpha * dw, x = x + v of the first
  momentum slide.)
- Epsilon goes where the slides put it: OUTSIDE the square root for Adagrad,
  x - alpha * dx / (sqrt(v) + eps); INSIDE for RMSProp and Adam,
  W - alpha * dW / sqrt(S + eps). The other placement is also accepted.
- Adam's iteration counter t is incremented FIRST, and the incremented t is
  used in the bias corrections; config['t'] holds it on return. NOTE: the
  slide's correction of S_db reads V_db / (1 - beta2^t); that is a typo,
  the second moment is corrected as S / (1 - beta2^t).
- The decay functions return a float for one epoch number (an int >= 1).
"""

import numpy as np

# ------------------------------------------------------------------ updates


def momentum(w, dw, config=None):
    """
    Gradient descent with momentum (exponential average of the gradients).

    Inputs:
    - w: A numpy array of any shape giving the current weights.
    - dw: A numpy array of the same shape as w giving the gradient of the
      loss with respect to w. Not modified.
    - config: A dictionary (or None) with the following keys:
      - learning_rate: Scalar learning rate alpha. Default 1e-2.
      - beta1: Scalar between 0 and 1, the momentum. Default 0.9.
      - v: A numpy array of the same shape as w, the exponential average of
        the gradients (V_dW in the slides). Default np.zeros_like(w).

    Returns a tuple of:
    - next_w: The updated weights, same shape as w.
    - config: The config dictionary; config['v'] holds the updated average.

    Update:
      v = beta1 * v + (1 - beta1) * dw
      next_w = w - learning_rate * v
    """
    if config is None:
        config = {}
    config.setdefault('learning_rate', 1e-2)
    config.setdefault('beta1', 0.9)
    config.setdefault('v', np.zeros_like(w))

    next_w = None
    # ================================================================ #
    # YOUR CODE HERE:
    #   Update the exponential average config['v'] and compute next_w.
    # ================================================================ #
    pass
    # ================================================================ #
    # END YOUR CODE HERE
    # ================================================================ #

    return next_w, config


def adagrad(w, dw, config=None):
    """
    Adagrad: per-parameter learning rates from the sum of squared gradients.

    Inputs:
    - w, dw: as for momentum.
    - config: A dictionary (or None) with the following keys:
      - learning_rate: Scalar learning rate. Default 1e-2.
      - epsilon: Small scalar added to the denominator, OUTSIDE the square
        root. Default 1e-8.
      - v: A numpy array of the same shape as w, the sum of the squared
        gradients so far (v in the slides). Default np.zeros_like(w).

    Returns a tuple of:
    - next_w: The updated weights, same shape as w.
    - config: The config dictionary; config['v'] holds the updated sum.

    Update:
      v = v + dw**2
      next_w = w - learning_rate * dw / (np.sqrt(v) + epsilon)
    (epsilon inside the square root, np.sqrt(v + epsilon), is also accepted.)
    """
    if config is None:
        config = {}
    config.setdefault('learning_rate', 1e-2)
    config.setdefault('epsilon', 1e-8)
    config.setdefault('v', np.zeros_like(w))

    next_w = None
    # ================================================================ #
    # YOUR CODE HERE:
    #   Accumulate the squared gradient in config['v'] and compute next_w.
    # ================================================================ #
    pass
    # ================================================================ #
    # END YOUR CODE HERE
    # ================================================================ #

    return next_w, config


def rmsprop(w, dw, config=None):
    """
    RMSProp: a moving average of squared gradients scales each step.

    Inputs:
    - w, dw: as for momentum.
    - config: A dictionary (or None) with the following keys:
      - learning_rate: Scalar learning rate. Default 1e-2.
      - beta2: Scalar between 0 and 1, the decay rate of the average.
        Default 0.999.
      - epsilon: Small scalar added INSIDE the square root. Default 1e-8.
      - s: A numpy array of the same shape as w, the moving average of the
        squared gradients (S_dW in the slides). Default np.zeros_like(w).

    Returns a tuple of:
    - next_w: The updated weights, same shape as w.
    - config: The config dictionary; config['s'] holds the updated average.

    Update:
      s = beta2 * s + (1 - beta2) * dw**2
      next_w = w - learning_rate * dw / np.sqrt(s + epsilon)
    (epsilon outside the square root, np.sqrt(s) + epsilon, is also accepted.)
    """
    if config is None:
        config = {}
    config.setdefault('learning_rate', 1e-2)
    config.setdefault('beta2', 0.999)
    config.setdefault('epsilon', 1e-8)
    config.setdefault('s', np.zeros_like(w))

    next_w = None
    # ================================================================ #
    # YOUR CODE HERE:
    #   Update the moving average config['s'] and compute next_w.
    # ================================================================ #
    pass
    # ================================================================ #
    # END YOUR CODE HERE
    # ================================================================ #

    return next_w, config


def adam(w, dw, config=None):
    """
    Adam: momentum and RMSProp together, with bias correction.

    Inputs:
    - w, dw: as for momentum.
    - config: A dictionary (or None) with the following keys:
      - learning_rate: Scalar learning rate alpha. Default 1e-3.
      - beta1: Decay rate of the first moment (momentum). Default 0.9.
      - beta2: Decay rate of the second moment (RMS prop). Default 0.999.
      - epsilon: Small scalar added INSIDE the square root. Default 1e-8.
      - v: first moment V_dW, same shape as w. Default np.zeros_like(w).
      - s: second moment S_dW, same shape as w. Default np.zeros_like(w).
      - t: number of updates done so far. Default 0.

    Returns a tuple of:
    - next_w: The updated weights, same shape as w.
    - config: The config dictionary; config['v'], config['s'] hold the
      updated (uncorrected) moments and config['t'] the incremented t.

    Update (t incremented BEFORE the bias correction):
      t = t + 1
      v = beta1 * v + (1 - beta1) * dw
      s = beta2 * s + (1 - beta2) * dw**2
      v_cor = v / (1 - beta1**t)
      s_cor = s / (1 - beta2**t)
      next_w = w - learning_rate * v_cor / np.sqrt(s_cor + epsilon)
    (epsilon outside the square root is also accepted.)
    """
    if config is None:
        config = {}
    config.setdefault('learning_rate', 1e-3)
    config.setdefault('beta1', 0.9)
    config.setdefault('beta2', 0.999)
    config.setdefault('epsilon', 1e-8)
    config.setdefault('v', np.zeros_like(w))
    config.setdefault('s', np.zeros_like(w))
    config.setdefault('t', 0)

    next_w = None
    # ================================================================ #
    # YOUR CODE HERE:
    #   Implement Adam. Store the new moments in config['v'] and
    #   config['s'], the incremented t in config['t'], and the updated
    #   weights in next_w.
    # ================================================================ #
    pass
    # ================================================================ #
    # END YOUR CODE HERE
    # ================================================================ #

    return next_w, config


# ------------------------------------------------------------------ decay


def inverse_time_decay(epoch_num, alpha0=1.0, k=1.0):
    """
    1/t decay: alpha = alpha0 / (1 + k * epoch_num).

    Inputs:
    - epoch_num: the epoch number, an int >= 1.
    - alpha0: the initial learning rate. Default 1.0.
    - k: the decay rate. Default 1.0.

    Returns:
    - alpha: the learning rate for this epoch, a float.
    """
    alpha = None
    # ================================================================ #
    # YOUR CODE HERE
    # ================================================================ #
    pass
    # ================================================================ #
    # END YOUR CODE HERE
    # ================================================================ #
    return alpha


def inverse_sqrt_decay(epoch_num, alpha0=1.0, k=0.95):
    """
    1/sqrt(t) decay: alpha = k * alpha0 / sqrt(epoch_num).

    Inputs:
    - epoch_num: the epoch number, an int >= 1.
    - alpha0: the initial learning rate. Default 1.0.
    - k: the factor. Default 0.95.

    Returns:
    - alpha: the learning rate for this epoch, a float.
    """
    alpha = None
    # ================================================================ #
    # YOUR CODE HERE
    # ================================================================ #
    pass
    # ================================================================ #
    # END YOUR CODE HERE
    # ================================================================ #
    return alpha


def exponential_decay(epoch_num, alpha0=1.0, k=0.5):
    """
    Exponential decay: alpha = alpha0 * exp(-k * epoch_num).

    Inputs:
    - epoch_num: the epoch number, an int >= 1.
    - alpha0: the initial learning rate. Default 1.0.
    - k: the decay rate. Default 0.5.

    Returns:
    - alpha: the learning rate for this epoch, a float.
    """
    alpha = None
    # ================================================================ #
    # YOUR CODE HERE
    # ================================================================ #
    pass
    # ================================================================ #
    # END YOUR CODE HERE
    # ================================================================ #
    return alpha


def power_decay(epoch_num, alpha0=1.0, k=0.95):
    """
    "Exponentially decay" with base k: alpha = k**epoch_num * alpha0.

    Inputs:
    - epoch_num: the epoch number, an int >= 1.
    - alpha0: the initial learning rate. Default 1.0.
    - k: the base, between 0 and 1. Default 0.95.

    Returns:
    - alpha: the learning rate for this epoch, a float.
    """
    alpha = None
    # ================================================================ #
    # YOUR CODE HERE
    # ================================================================ #
    pass
    # ================================================================ #
    # END YOUR CODE HERE
    # ================================================================ #
    return alpha


def staircase_decay(epoch_num, alpha0=1.0, k=0.9, every=10):
    """
    Discrete staircase: alpha is multiplied by k every `every` epochs.

    Epochs 1, ..., every use alpha0; epochs every + 1, ..., 2 * every use
    k * alpha0; and so on: alpha = alpha0 * k**((epoch_num - 1) // every).

    Inputs:
    - epoch_num: the epoch number, an int >= 1.
    - alpha0: the initial learning rate. Default 1.0.
    - k: the factor applied at each drop. Default 0.9.
    - every: the number of epochs between drops. Default 10.

    Returns:
    - alpha: the learning rate for this epoch, a float.
    """
    alpha = None
    # ================================================================ #
    # YOUR CODE HERE
    # ================================================================ #
    pass
    # ================================================================ #
    # END YOUR CODE HERE
    # ================================================================ #
    return alpha
