"""
A fully connected network of arbitrary depth, built from the layers in
nndl/layers.py and nndl/layer_utils.py.

What you implement in this file (each is marked YOUR CODE HERE; copy them
from your HW #3 implementation):
- FullyConnectedNet.__init__: the weight and bias initialization.
- FullyConnectedNet.loss: the forward pass, and the loss and backward pass.

Dropout and batch normalization are NOT part of this homework: the dropout
and use_batchnorm arguments are accepted (and the dropout_param / bn_params
dictionaries are set up) so that later notebooks can pass them, but loss()
ignores them.

loss() may use the layer functions imported into this module
(affine_forward, affine_backward, affine_relu_forward, affine_relu_backward,
relu_forward, relu_backward and the given softmax_loss) in any order and as
often as you like, or compute parts itself: it is graded by the loss, the
gradients and the scores it returns. (While loss() is graded, the layer
functions it calls answer with the reference solution's values, so a bug in
your layers costs points on those layers only.)
"""

# ruff: noqa: F403, F405
import numpy as np

from .layer_utils import *
from .layers import *


class FullyConnectedNet:
    """
    A fully-connected neural network with an arbitrary number of hidden
    layers, ReLU nonlinearities, and a softmax loss function. For a network
    with L layers, the architecture will be

    {affine - relu} x (L - 1) - affine - softmax

    where the {...} block is repeated L - 1 times.

    Learnable parameters are stored in the self.params dictionary and will be
    learned using the Solver class. Layers are numbered from 1: the weights
    and biases of layer i are self.params['W{i}'] and self.params['b{i}'].

    Dropout and batch normalization are not implemented in this homework:
    the corresponding arguments are accepted but ignored by loss().
    """

    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10,
                 dropout=0, use_batchnorm=False, reg=0.0,
                 weight_scale=1e-2, dtype=np.float32, seed=None):
        """
        Initialize a new FullyConnectedNet.

        Inputs:
        - hidden_dims: A list of integers giving the size of each hidden
          layer. The network has L = len(hidden_dims) + 1 layers.
        - input_dim: An integer giving the size of the input. Default
          3 * 32 * 32.
        - num_classes: An integer giving the number of classes to classify.
          Default 10.
        - dropout: Scalar between 0 and 1 giving dropout strength. If
          dropout=0 then the network should not use dropout at all.
          Default 0. (Accepted but ignored by loss() in this homework.)
        - use_batchnorm: Whether or not the network should use batch
          normalization. Default False. (Accepted but ignored by loss() in
          this homework.)
        - reg: Scalar giving L2 regularization strength. Default 0.0.
        - weight_scale: Scalar giving the standard deviation for random
          initialization of the weights. Default 1e-2.
        - dtype: A numpy datatype object; all computations will be performed
          using this datatype. float32 is faster but less accurate, so you
          should use float64 for numeric gradient checking. Default
          np.float32.
        - seed: If not None, then pass this random seed to the dropout
          layers. This will make the dropout layers deterministic so we can
          gradient check the model. It does not seed the weight
          initialization. Default None.

        Parameters created (i = 1, ..., L, with dims = [input_dim] +
        hidden_dims + [num_classes]):
        - self.params['W{i}']: weights of layer i, of shape
          (dims[i - 1], dims[i]), drawn as
          weight_scale * np.random.randn(dims[i - 1], dims[i]), in the order
          W1, W2, ..., WL.
        - self.params['b{i}']: biases of layer i, zeros of shape (dims[i],).
        """
        self.use_batchnorm = use_batchnorm
        self.use_dropout = dropout > 0
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.params = {}

        # ================================================================ #
        # YOUR CODE HERE:
        #   Initialize all parameters of the network in the self.params
        #   dictionary: W1, ..., WL from a normal distribution with standard
        #   deviation weight_scale, and b1, ..., bL as zeros.
        # ================================================================ #
        pass
        # ================================================================ #
        # END YOUR CODE HERE
        # ================================================================ #

        # When using dropout we need to pass a dropout_param dictionary to
        # each dropout layer so that the layer knows the dropout probability
        # and the mode (train / test). You can pass the same dropout_param to
        # each dropout layer. (Not used in this homework.)
        self.dropout_param = {}
        if self.use_dropout:
            self.dropout_param = {'mode': 'train', 'p': dropout}
            if seed is not None:
                self.dropout_param['seed'] = seed

        # With batch normalization we need to keep track of running means and
        # variances, so we need to pass a special bn_param object to each
        # batch normalization layer. You should pass self.bn_params[0] to the
        # forward pass of the first batch normalization layer,
        # self.bn_params[1] to the forward pass of the second batch
        # normalization layer, etc. (Not used in this homework.)
        self.bn_params = []
        if self.use_batchnorm:
            self.bn_params = [{'mode': 'train'}
                              for i in np.arange(self.num_layers - 1)]

        # Cast all parameters to the correct datatype
        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        """
        Compute loss and gradient for the fully-connected net.

        Inputs:
        - X: Array of input data of shape (N, d_1, ..., d_k), with
          d_1 * ... * d_k = input_dim
        - y: Array of labels, of shape (N,). y[i] gives the label for X[i].

        Returns:
        If y is None, then run a test-time forward pass of the model and
        return:
        - scores: Array of shape (N, C) giving classification scores, where
          scores[i, c] is the classification score for X[i] and class c.

        If y is not None, then run a training-time forward and backward pass
        and return a tuple of:
        - loss: Scalar value giving the loss: the softmax loss plus
          0.5 * self.reg * np.sum(W * W) for every weight matrix W (biases
          are not regularized).
        - grads: Dictionary with the same keys as self.params, mapping
          parameter names to gradients of the loss with respect to those
          parameters (same shapes as the parameters). The gradient of the
          regularization term, self.reg * W, is included in grads['W{i}'].
        """
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
        # ================================================================ #
        # YOUR CODE HERE:
        #   Implement the forward pass: affine_relu_forward for layers
        #   1, ..., L - 1 and affine_forward for layer L. Store the scores
        #   in scores and keep the caches for the backward pass.
        # ================================================================ #
        pass
        # ================================================================ #
        # END YOUR CODE HERE
        # ================================================================ #

        # If test mode return early
        if mode == 'test':
            return scores

        loss, grads = None, {}
        # ================================================================ #
        # YOUR CODE HERE:
        #   Compute the loss with softmax_loss plus the L2 regularization
        #   0.5 * self.reg * np.sum(W * W) of every W, then the backward
        #   pass (affine_backward for layer L, affine_relu_backward for
        #   layers L - 1, ..., 1). Store the gradients in grads.
        # ================================================================ #
        pass
        # ================================================================ #
        # END YOUR CODE HERE
        # ================================================================ #

        return loss, grads
