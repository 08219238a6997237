import numpy as np
import matplotlib.pyplot as plt


def momentum(w, dw, config=None):
    if config is None: config = {}
    config.setdefault('learning_rate', 1e-2)
    config.setdefault('beta1', 0.9)
    config.setdefault('v', np.zeros_like(w))
    config['v'] = config['v'] * config['beta1']
    config['v'] = config['v'] + (1 - config['beta1']) * dw
    w = w - config['learning_rate'] * config['v']
    return w, config


def adagrad(w, dw, config=None):
    if config is None: config = {}
    config.setdefault('learning_rate', 1e-2)
    config.setdefault('epsilon', 1e-8)
    config.setdefault('v', np.zeros_like(w))
    config['v'] += dw * dw
    next_w = w - config['learning_rate'] * dw / np.sqrt(config['v'] + config['epsilon'])
    return next_w, config


def rmsprop(w, dw, config=None):
    if config is None: config = {}
    config.setdefault('learning_rate', 1e-2)
    config.setdefault('beta2', 0.999)
    config.setdefault('epsilon', 1e-8)
    config.setdefault('s', np.zeros_like(w))
    config['s'] = config['beta2'] * config['s'] + (1 - config['beta2']) * dw ** 2
    next_w = w - config['learning_rate'] * dw / (np.sqrt(config['s']) + config['epsilon'])
    return next_w, config


def adam(w, dw, config=None):
    if config is None: config = {}
    config.setdefault('learning_rate', 1e-3)
    config.setdefault('beta1', 0.9)
    config.setdefault('beta2', 0.999)
    config.setdefault('epsilon', 1e-8)
    config.setdefault('v', np.zeros_like(w))
    config.setdefault('s', np.zeros_like(w))
    config.setdefault('t', 0)
    config['t'] += 1
    config['v'] = config['beta1'] * config['v'] + (1 - config['beta1']) * dw
    config['s'] = config['beta2'] * config['s'] + (1 - config['beta2']) * dw ** 2
    v_hat = config['v'] / (1 - np.power(config['beta1'], config['t']))
    s_hat = config['s'] / (1 - np.power(config['beta2'], config['t']))
    next_w = w - config['learning_rate'] * v_hat / (np.sqrt(s_hat) + config['epsilon'])
    return next_w, config


def inverse_time_decay(epoch_num, alpha0=1.0, k=1.0):
    return np.float64(alpha0) / (1.0 + k * epoch_num)


def inverse_sqrt_decay(epoch_num, alpha0=1.0, k=0.95):
    return np.array(k * alpha0 / np.sqrt(epoch_num))


def exponential_decay(epoch_num, alpha0=1.0, k=0.5):
    return alpha0 * np.exp(-k * epoch_num)


def power_decay(epoch_num, alpha0=1.0, k=0.95):
    return alpha0 * np.power(k, epoch_num)


def staircase_decay(epoch_num, alpha0=1.0, k=0.9, every=10):
    return alpha0 * k ** np.floor((epoch_num - 1) / every)
