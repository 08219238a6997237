"""Known variant: update j stored in row j (row 0 overwritten, last row left at zero)."""

import numpy as np


def gd(grad, init, n_epochs=1000, eta=10**-4):
    params = np.array(init)
    param_traj = np.zeros([n_epochs+1, 2])
    param_traj[0,] = init
    for j in range(n_epochs):
        params = params - eta * np.array(grad(params))
        param_traj[j,] = params
    return param_traj
