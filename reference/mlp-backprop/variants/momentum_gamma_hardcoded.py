"""Known variant: the momentum coefficient hard-coded (0.9) instead of read from hparams."""


def momentum(x, y, dx, dy, v_x, v_y, hparams):
    alpha = hparams["alpha"]
    v_x = 0.9 * v_x + alpha * gauss(dx, 1)
    v_y = 0.9 * v_y + alpha * gauss(dy, 1)
    return x - v_x, y - v_y, v_x, v_y
