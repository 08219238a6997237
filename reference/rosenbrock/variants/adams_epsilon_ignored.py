"""Known variant: the epsilon argument ignored (a constant 10**-8)."""

import numpy as np


def adams(grad, init, n_epochs=5000, eta=10**-4, gamma=0.9, beta=0.99, epsilon=10**-8):
    params = np.array(init)
    param_traj = np.zeros([n_epochs+1, 2])
    param_traj[0,] = init
    v = 0
    grad_sq = 0
    for j in range(n_epochs):
        g = np.array(grad(params))
        v = gamma*v+(1-gamma)*g
        grad_sq = beta*grad_sq+(1-beta)*g*g
        v_hat = v/(1-gamma**(j+1))
        grad_sq_hat = grad_sq/(1-beta**(j+1))
        params = params-eta*v_hat/np.sqrt(grad_sq_hat+10**-8)
        param_traj[j+1,] = params
    return param_traj
