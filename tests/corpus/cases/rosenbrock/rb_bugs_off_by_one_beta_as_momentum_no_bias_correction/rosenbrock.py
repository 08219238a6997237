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
    params = np.array(init)
    param_traj = np.zeros([n_epochs + 1, 2])
    param_traj[0, ] = init
    v = 0
    for j in range(n_epochs):
        v = eta * (np.array(grad(params)))
        param_traj[j, ] = params
        params = params - v
    return param_traj


def gd_with_mom(grad, init, n_epochs=5000, eta=10**-4, beta=0.9, gamma=0.9, noise_strength=0):
    params = np.array(init)
    param_traj = np.zeros([n_epochs + 1, 2])
    param_traj[0, ] = init
    v = 0
    for j in range(n_epochs):
        v = beta * v + eta * (np.array(grad(params)))
        params = params - v
        param_traj[j + 1, ] = params
    return param_traj


def adams(grad, init, n_epochs=5000, eta=10**-4, gamma=0.9, beta=0.99, epsilon=10**-8):
    params = np.array(init)
    param_traj = np.zeros([n_epochs + 1, 2])
    param_traj[0, ] = init
    v = 0
    grad_sq = 0
    for j in range(n_epochs):
        g = np.array(grad(params))
        v = gamma * v + (1 - gamma) * g
        grad_sq = beta * grad_sq + (1 - beta) * g * g
        params = params - eta * np.divide(v, np.sqrt(grad_sq + epsilon))
        param_traj[j + 1, ] = params
    return param_traj
