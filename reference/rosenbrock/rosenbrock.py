"""
Homework 7, Problem 1: comparing optimization algorithms (reference solution).

We look for the global minimum of the Rosenbrock function

    f(x, y) = (1 - x)**2 + 100 * (y - x**2)**2,

whose minimum is f(1, 1) = 0, at the bottom of a long, curved, banana-shaped
valley. NOTE: the handout writes f(x, y) = (1 - x^2) + 100(y - x^2)^2. That
is a typo: that function has no minimum at (1, 1) (it is not even bounded
below). This homework, and the autograder, use the Rosenbrock function
above; rosenbrock() and rosenbrock_grad() below are given.

What you implement (each between the lines "YOUR CODE HERE" and
"END YOUR CODE"): the body of the loop of
- gd           gradient descent,
- gd_with_mom  gradient descent with momentum,
- adams        ADAM (adaptive moment estimation),
each returning the WHOLE trajectory: an array param_traj of shape
(n_epochs + 1, 2) whose row 0 is init and whose row j + 1 holds the
parameters after update j (j = 0, ..., n_epochs - 1). Keep the signatures
and their defaults: the autograder calls them with its own gradient
functions, start points and settings.

Update rules (g = np.array(grad(params)), the gradient at the current
parameters; v and grad_sq start at 0):
- gd:           params = params - eta * g
- gd_with_mom:  v = gamma * v + g;  params = params - eta * v
                (beta is accepted for compatibility and NOT used: the
                momentum coefficient is gamma)
- adams:        v = gamma * v + (1 - gamma) * g
                grad_sq = beta * grad_sq + (1 - beta) * g * g
                v_hat = v / (1 - gamma**(j + 1))
                grad_sq_hat = grad_sq / (1 - beta**(j + 1))
                params = params - eta * v_hat / np.sqrt(grad_sq_hat + epsilon)
                (bias correction with the step number t = j + 1; epsilon
                inside the square root as the handout writes it;
                np.sqrt(grad_sq_hat) + epsilon is also accepted)

The experiments the homework asks about (start (-4, -2), 10**5 steps):
(b) kappa = 1e-4 for all three; (c) kappa = 1e-3 for gd_with_mom and adams
(one of them diverges: its trajectory overflows to inf/nan, which is
expected; do not guard against it); (d) adams with kappa = 1e-2 against
gd_with_mom with kappa = 1e-4. The error of a trajectory is its distance to
the minimum, distance_to_minimum(param_traj) (given).
"""

import numpy as np


def rosenbrock(x, y):
    """The Rosenbrock function (1 - x)**2 + 100 * (y - x**2)**2 (given).

    x and y may be numbers or arrays of the same shape (e.g. from
    np.meshgrid, for a contour plot); the result has their shape.
    """
    return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2


def rosenbrock_grad(params):
    """Gradient of rosenbrock at params = (x, y), as an array of shape (2,) (given)."""
    x, y = params
    return np.array([-2 * (1 - x) - 400 * x * (y - x ** 2), 200 * (y - x ** 2)])


def distance_to_minimum(param_traj):
    """Distance of each row (x, y) of a trajectory to the minimum (1, 1) (given).

    Input: param_traj of shape (n + 1, 2). Returns an array of shape (n + 1,).
    Plot np.log10 of it against the step number for the error curves.
    """
    return np.linalg.norm(np.asarray(param_traj) - np.array([1.0, 1.0]), axis=1)


def gd(grad, init, n_epochs=1000, eta=10**-4):
    """
    Gradient descent.

    Inputs:
    - grad: function mapping params (array of shape (2,)) to the gradient
      (two numbers: a list, tuple or array).
    - init: the start point (x0, y0).
    - n_epochs: number of updates (time steps). Default 1000.
    - eta: learning rate. Default 10**-4.

    Returns:
    - param_traj: array of shape (n_epochs + 1, 2): row 0 is init, row j + 1
      the parameters after update j: params = params - eta * grad(params).
    """
    params = np.array(init)
    param_traj = np.zeros([n_epochs+1, 2])
    param_traj[0,] = init
    v = 0
    for j in range(n_epochs):
        # YOUR CODE HERE: one update of params, stored in param_traj[j+1,]
        v = eta*(np.array(grad(params)))
        params = params-v
        param_traj[j+1,] = params
        # END YOUR CODE
    return param_traj


def gd_with_mom(grad, init, n_epochs=5000, eta=10**-4, beta=0.9, gamma=0.9):
    """
    Gradient descent with momentum.

    Inputs:
    - grad, init: as for gd.
    - n_epochs: number of updates. Default 5000.
    - eta: learning rate. Default 10**-4.
    - beta: accepted for compatibility with the handout; NOT used. Default 0.9.
    - gamma: momentum coefficient. Default 0.9.

    Returns:
    - param_traj: array of shape (n_epochs + 1, 2), row 0 = init, where each
      update is v = gamma * v + grad(params); params = params - eta * v,
      starting from v = 0.
    """
    params = np.array(init)  # Start with initial condition
    param_traj = np.zeros([n_epochs+1, 2])  # Save the entire trajectory
    param_traj[0,] = init  # Also save the initial condition to the trajectory
    v = 0  # Starting with 0 momentum
    # Epochs is borrowing term from machine learning
    # Here it means timestep
    for j in range(n_epochs):
        # YOUR CODE HERE: update v and params, store params in param_traj[j+1,]
        v = gamma*v+(np.array(grad(params)))  # Compute v
        params = params-eta*v  # Update the location
        param_traj[j+1,] = params  # Save the trajectory
        # END YOUR CODE
    return param_traj


def adams(grad, init, n_epochs=5000, eta=10**-4, gamma=0.9, beta=0.99, epsilon=10**-8):
    """
    ADAM.

    Inputs:
    - grad, init: as for gd.
    - n_epochs: number of updates. Default 5000.
    - eta: learning rate. Default 10**-4.
    - gamma: decay rate of the first moment (average gradient). Default 0.9.
    - beta: decay rate of the second moment (average squared gradient).
      Default 0.99.
    - epsilon: smoothing term, added INSIDE the square root. Default 10**-8.

    Returns:
    - param_traj: array of shape (n_epochs + 1, 2), row 0 = init; update j
      (j = 0, 1, ...) uses the bias corrections 1 - gamma**(j+1) and
      1 - beta**(j+1) (see the module docstring).
    """
    params = np.array(init)
    param_traj = np.zeros([n_epochs+1, 2])
    param_traj[0,] = init
    v = 0
    grad_sq = 0
    for j in range(n_epochs):
        # YOUR CODE HERE: update v, grad_sq and params, store params in param_traj[j+1,]
        g = np.array(grad(params))
        v = gamma*v+(1-gamma)*g
        grad_sq = beta*grad_sq+(1-beta)*g*g
        v_hat = v/(1-gamma**(j+1))
        grad_sq_hat = grad_sq/(1-beta**(j+1))
        params = params-eta*np.divide(v_hat, np.sqrt(grad_sq_hat+epsilon))
        param_traj[j+1,] = params
        # END YOUR CODE
    return param_traj
