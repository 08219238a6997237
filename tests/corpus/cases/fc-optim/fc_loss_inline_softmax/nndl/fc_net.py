import numpy as np
from .layers import *
from .layer_utils import *


class FullyConnectedNet(object):
    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10,
                 dropout=0, use_batchnorm=False, reg=0.0,
                 weight_scale=1e-2, dtype=np.float32, seed=None):
        self.use_batchnorm = use_batchnorm
        self.use_dropout = dropout > 0
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.L = self.num_layers
        self.dtype = dtype
        self.params = {}
        sizes = [input_dim] + list(hidden_dims) + [num_classes]
        for i in range(1, self.L + 1):
            self.params['W%d' % i] = weight_scale * np.random.randn(sizes[i - 1], sizes[i])
            self.params['b%d' % i] = np.zeros(sizes[i])
        self.dropout_param = {}
        self.bn_params = []
        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        X = X.astype(self.dtype)
        out, caches = X, {}
        for i in range(1, self.num_layers):
            out, caches[i] = affine_relu_forward(out, self.params['W' + str(i)], self.params['b' + str(i)])
        n = self.num_layers
        scores, caches[n] = affine_forward(out, self.params['W' + str(n)], self.params['b' + str(n)])
        if y is None:
            return scores
        N = X.shape[0]
        e = np.exp(scores - np.max(scores, axis=1, keepdims=True))
        p = e / np.sum(e, axis=1, keepdims=True)
        loss = -np.sum(np.log(p[np.arange(N), y])) / N
        loss += 0.5 * self.reg * sum(np.sum(self.params['W' + str(i)] ** 2) for i in range(1, n + 1))
        dscores = p.copy()
        dscores[np.arange(N), y] -= 1
        dscores /= N
        grads = {}
        d, grads['W' + str(n)], grads['b' + str(n)] = affine_backward(dscores, caches[n])
        for i in range(n - 1, 0, -1):
            d, grads['W' + str(i)], grads['b' + str(i)] = affine_relu_backward(d, caches[i])
        for i in range(1, n + 1):
            grads['W' + str(i)] += self.reg * self.params['W' + str(i)]
        return loss, grads
