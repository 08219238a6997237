"""Known variant: regularization missing from the weight gradients."""

import numpy as np


class FullyConnectedNet:
    def loss(self, X, y=None):
        X = X.astype(self.dtype)
        mode = 'test' if y is None else 'train'

        # Set train/test mode for batchnorm params and dropout param since
        # they behave differently during training and testing. (Not used in
        # this homework.)
        if self.use_dropout:
            self.dropout_param['mode'] = mode
        if self.use_batchnorm:
            for bn_param in self.bn_params:
                bn_param['mode'] = mode

        scores = None
        caches = {}
        out = X
        for i in range(1, self.num_layers):
            W, b = self.params[f'W{i}'], self.params[f'b{i}']
            out, caches[i] = affine_relu_forward(out, W, b)
        L = self.num_layers
        W, b = self.params[f'W{L}'], self.params[f'b{L}']
        scores, caches[L] = affine_forward(out, W, b)

        # If test mode return early
        if mode == 'test':
            return scores

        loss, grads = None, {}
        loss, dscores = softmax_loss(scores, y)
        for i in range(1, self.num_layers + 1):
            W = self.params[f'W{i}']
            loss += 0.5 * self.reg * np.sum(W * W)

        L = self.num_layers
        dout, dW, db = affine_backward(dscores, caches[L])
        for i in range(L, 0, -1):
            if i < L:
                dout, dW, db = affine_relu_backward(dout, caches[i])
            W = self.params[f'W{i}']
            grads[f'W{i}'] = dW
            grads[f'b{i}'] = db

        return loss, grads
