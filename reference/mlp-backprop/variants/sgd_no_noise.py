"""Known variant: no noise on the gradient."""


def stochastic_gradient_descent(x, y, dx, dy, hparams):
    alpha = hparams["alpha"]
    return x - alpha * dx, y - alpha * dy
