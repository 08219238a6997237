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
        L = self.num_layers
        h = X
        for i in range(1, L):
            h = affine_relu_forward(h, self.params['W%d' % i], self.params['b%d' % i])[0]
        scores = affine_forward(h, self.params['W%d' % L], self.params['b%d' % L])[0]
        if y is None:
            return scores
        caches = []
        h = X
        for i in range(1, L):
            h, cache = affine_relu_forward(h, self.params['W%d' % i], self.params['b%d' % i])
            caches.append(cache)
        scores, cache = affine_forward(h, self.params['W%d' % L], self.params['b%d' % L])
        loss, d = softmax_loss(scores, y)
        grads = {}
        d, grads['W%d' % L], grads['b%d' % L] = affine_backward(d, cache)
        for i in range(L - 1, 0, -1):
            d, grads['W%d' % i], grads['b%d' % i] = affine_relu_backward(d, caches[i - 1])
        for i in range(1, L + 1):
            W = self.params['W%d' % i]
            loss += 0.5 * self.reg * np.sum(W ** 2)
            grads['W%d' % i] = grads['W%d' % i] + self.reg * W
        return loss, grads
