"""Known variant: the given rosenbrock_grad called instead of the grad argument."""

import numpy as np


def gd(grad, init, n_epochs=1000, eta=10**-4):
    params = np.array(init)
    param_traj = np.zeros([n_epochs+1, 2])
    param_traj[0,] = init
    for j in range(n_epochs):
        params = params - eta * rosenbrock_grad(params)  # noqa: F821 - given in the module
        param_traj[j+1,] = params
    return param_traj
