"""Known mistake: the momentum term is left out."""



def sgd_momentum(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = -config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config
