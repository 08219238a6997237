"""Known variant: the gradient is computed once, at the start point."""

import numpy as np


def gd(grad, init, n_epochs=1000, eta=10**-4):
    params = np.array(init)
    param_traj = np.zeros([n_epochs+1, 2])
    param_traj[0,] = init
    g = np.array(grad(params))
    for j in range(n_epochs):
        params = params - eta * g
        param_traj[j+1,] = params
    return param_traj
