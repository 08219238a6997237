"""Known variant: bias correction with t = i (the handout's hack for i = 0)."""


def adam(x, y, dx, dy, f_x, f_y, s_x, s_y, i, hparams):
    eps, alpha = hparams["eps"], hparams["alpha"]
    beta_1, beta_2 = hparams["beta_1"], hparams["beta_2"]
    f_x = beta_1*f_x + (1-beta_1)*dx
    f_y = beta_1*f_y + (1-beta_1)*dy
    s_x = beta_2*s_x + (1-beta_2)*dx**2
    s_y = beta_2*s_y + (1-beta_2)*dy**2
    i = 0.001 if i == 0 else i
    f_x_hat = f_x/(1-beta_1**i)
    f_y_hat = f_y/(1-beta_1**i)
    s_x_hat = s_x/(1-beta_2**i)
    s_y_hat = s_y/(1-beta_2**i)
    x = x - alpha*f_x_hat/((s_x_hat + eps)**0.5)
    y = y - alpha*f_y_hat/((s_y_hat + eps)**0.5)
    return x, y, f_x, f_y, s_x, s_y
