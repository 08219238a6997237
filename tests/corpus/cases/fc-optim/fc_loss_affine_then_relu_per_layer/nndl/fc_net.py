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
        caches = []
        h = X
        for i in range(1, self.L):
            a, fc = affine_forward(h, self.params['W%d' % i], self.params['b%d' % i])
            h, rc = relu_forward(a)
            caches.append((fc, rc))
        scores, last = affine_forward(h, self.params['W%d' % self.L], self.params['b%d' % self.L])
        if y is None:
            return scores
        loss, dscores = softmax_loss(scores, y)
        grads = {}
        for i in range(1, self.L + 1):
            W = self.params['W%d' % i]
            loss += 0.5 * self.reg * np.sum(W * W)
        dh, dW, db = affine_backward(dscores, last)
        grads['W%d' % self.L] = dW + self.reg * self.params['W%d' % self.L]
        grads['b%d' % self.L] = db
        for i in range(self.L - 1, 0, -1):
            fc, rc = caches[i - 1]
            da = relu_backward(dh, rc)
            dh, dW, db = affine_backward(da, fc)
            grads['W%d' % i] = dW + self.reg * self.params['W%d' % i]
            grads['b%d' % i] = db
        return loss, grads
