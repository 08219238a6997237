"""Known variant: the velocity as an exponential average of the gradients."""

import numpy as np


def gd_with_mom(grad, init, n_epochs=5000, eta=10**-4, beta=0.9, gamma=0.9):
    params = np.array(init)
    param_traj = np.zeros([n_epochs+1, 2])
    param_traj[0,] = init
    v = 0
    for j in range(n_epochs):
        v = gamma*v+(1-gamma)*(np.array(grad(params)))
        params = params-eta*v
        param_traj[j+1,] = params
    return param_traj
