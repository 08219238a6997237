"""Known variant: the learning rate applied outside the velocity."""


def momentum(x, y, dx, dy, v_x, v_y, hparams):
    alpha, gamma = hparams["alpha"], hparams["gamma"]
    v_x = gamma * v_x + gauss(dx, 1)
    v_y = gamma * v_y + gauss(dy, 1)
    return x - alpha * v_x, y - alpha * v_y, v_x, v_y
