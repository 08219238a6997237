"""Known variant: no noise on the gradient."""


def momentum(x, y, dx, dy, v_x, v_y, hparams):
    alpha, gamma = hparams["alpha"], hparams["gamma"]
    v_x = gamma * v_x + alpha * dx
    v_y = gamma * v_y + alpha * dy
    return x - v_x, y - v_y, v_x, v_y
