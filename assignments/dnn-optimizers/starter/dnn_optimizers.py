"""
Homework 3: Optimization in Neural Networks.

A deep neural network of customizable width and depth, written with numpy,
trained with the optimizers GradientDescent, GradientDescentWithMomentum,
RMSProp and Adam. If you work in the notebook, keep these names and
signatures: the notebook is graded from its definitions.

What you implement (each is marked ### Code here ###):
- initialize_dnn_parameters
- ReLU.forward, ReLU.derivative
- layer
- forward_propagation
- back_propagation
- NeuralNetwork.initialize, NeuralNetwork.backward
- gradient_descent_step
- GradientDescent.step, GradientDescentWithMomentum.step, RMSProp.step,
  Adam.step
Everything else (Sigmoid, compute_cost, NeuralNetwork.__init__/forward,
Optimizer, train_loop, train) is given.

Shapes. Samples are COLUMNS: X has shape (n_x, m) for m samples, Y has shape
(n_y, m). Layer l (l = 1, ..., L) has weights W{l} of shape
(n^l, n^{l-1}) and biases b{l} of shape (n^l, 1), stored in a dict
parameters = {'W1': ..., 'b1': ..., 'W2': ...}; the gradients are stored in
a dict grads = {'dW1': ..., 'db1': ...} with the same shapes.

Conventions (the printed values of the notebook follow them, and so does
the autograder):
- Initialization: for l = 1, ..., L in this order, exactly one call
  np.random.randn(layer_dims[l], layer_dims[l-1]) per layer, scaled by
  stdv = 1 / sqrt(layer_dims[l-1]) (so W ~ N(0, 1/n^{l-1})) plus mu = 0;
  biases are zeros (no random draws). With np.random.seed(1) this gives
  the printed W1, W2.
- ReLU'(0) = 1: the derivative is 1 where x >= 0 and 0 where x < 0. (At exactly
  0 ReLU has no derivative: the autograder accepts any value between 0 and 1
  there, and its hidden inputs stay away from 0.)
- The activation is applied at EVERY layer, the output layer included:
  A^L = act(Z^L).
- Cost: L = 1/(2m) * ||A^L - Y||^2 (compute_cost, given). The factor 1/m
  is already in dZ^L (given line in back_propagation), so dW and db are
  plain products and sums: dW = dZ A_prev^T, db = sum of dZ over the
  samples, shape (n^l, 1).
- Optimizers update every entry of network.parameters (W and b alike) with
  the gradient network.grads['d' + key].
- Momentum:  v <- beta * v + (1 - beta) * g;   w <- w - lr * v.
- RMSProp:   s <- beta * s + (1 - beta) * g**2;
             w <- w - lr * g / (sqrt(s) + eps), eps = 1e-8 OUTSIDE the
             square root (the printed losses need it; eps inside,
             sqrt(s + eps), is also accepted).
- Adam:      v <- beta1 * v + (1 - beta1) * g;
             s <- beta2 * s + (1 - beta2) * g**2;
             w <- w - lr * v / (sqrt(s) + eps), eps = 1e-8 OUTSIDE the
             square root (inside is also accepted) and NO bias correction:
             this homework's Adam is exactly these three lines, which is
             what the printed losses show.
"""

import numpy as np


# Initialize weights and biases
def initialize_dnn_parameters(layer_dims):
    """
    Randomly initialize the weights and zero the biases of a DNN.

    Inputs:
    - layer_dims: list of L + 1 integers [n_x, n^1, ..., n^L]: the input
      size followed by the size of each layer (the last is n_y).

    Returns:
    - parameters: dict with, for l = 1, ..., L:
      - 'W{l}': array of shape (layer_dims[l], layer_dims[l-1]), drawn as
        stdv * np.random.randn(layer_dims[l], layer_dims[l-1]) + mu with
        stdv = 1 / np.sqrt(layer_dims[l-1]) and mu = 0, one call per layer
        in the order W1, W2, ...;
      - 'b{l}': zeros of shape (layer_dims[l], 1).
    """
    L = len(layer_dims)  # number of layers
    parameters = {}
    for l in range(1, L):
        ### Code here ### (~ 1 lines of code)
        pass
        ### Code here ### (~ 1 lines of code)
        parameters['b' + str(l)] = np.zeros((layer_dims[l], 1))
    return parameters


# Define Sigmoid activation function class
class Sigmoid:
    """The logistic function 1 / (1 + exp(-x)), elementwise (given)."""

    def __init__(self):
        pass

    def forward(self, x):
        return 1 / (1 + np.exp(-x))

    def derivative(self, x):
        return self.forward(x) * (1 - self.forward(x))

    def __call__(self, x):
        return self.forward(x)


# Define ReLU activation function class
class ReLU:
    """The rectified linear unit max(0, x), elementwise."""

    def __init__(self):
        pass

    def forward(self, x):
        """
        Inputs:
        - x: numpy array of any shape.

        Returns:
        - out: array of the same shape, max(0, x) elementwise.
        """
        ### Code here ### (~ 1 lines of code)
        pass
        ### Code here ### (~ 1 lines of code)

    def derivative(self, x):
        """
        Inputs:
        - x: numpy array of any shape.

        Returns:
        - dout: array of the same shape: 1 where x >= 0 and 0 where x < 0
          (ReLU'(0) = 1 in this homework; any value between 0 and 1 is
          accepted at exactly 0). Integers, floats or booleans are all fine.
        """
        ### Code here ### (~ 1 lines of code)
        pass
        ### Code here ### (~ 1 lines of code)

    def __call__(self, x):
        return self.forward(x)


def layer(A_prev, W, b, act=ReLU()):
    """
    One layer: a linear transform followed by the activation.

    Inputs:
    - A_prev: activations of the previous layer, shape (n^{l-1}, m).
    - W: weights, shape (n^l, n^{l-1}).
    - b: biases, shape (n^l, 1).
    - act: the activation, a callable (default ReLU()).

    Returns a tuple of:
    - A: act(Z), shape (n^l, m).
    - Z: the pre-activation W @ A_prev + b, shape (n^l, m).
    """
    ### Code here ### (~ 1 lines of code)
    pass
    ### Code here ### (~ 1 lines of code)
    A = act(Z)
    return A, Z


def forward_propagation(X, parameters, act=ReLU()):
    """
    Forward pass through all L = len(parameters) // 2 layers, each one
    computed with layer() (the output layer applies act too).

    Inputs:
    - X: input data, shape (n_x, m).
    - parameters: dict of 'W{l}', 'b{l}' (see initialize_dnn_parameters).
    - act: the activation of every layer (default ReLU()).

    Returns a tuple of:
    - A: the output A^L, shape (n^L, m).
    - caches: dict with 'A0' = X and, for l = 1, ..., L, 'Z{l}' and 'A{l}'.
    """
    L = len(parameters) // 2  # num of layers
    A = X  # Initialize A0 with X
    caches = {}
    caches['A0'] = A  # Cache the initial activaiton

    for l in range(1, L+1):  # including the output layer
        A_prev = A
        W = parameters['W' + str(l)]
        b = parameters['b' + str(l)]
        ### Code here ### (~ 1 lines of code)
        pass
        ### Code here ### (~ 1 lines of code)
        caches['Z' + str(l)] = Z
        caches['A' + str(l)] = A

    return A, caches


def compute_cost(A, Y):
    """Square loss 1/(2m) * ||A - Y||^2 for A, Y of shape (n_y, m) (given)."""
    m = Y.shape[1]
    cost = np.sum((A - Y) ** 2) / (2 * m)
    return cost


def back_propagation(Y, parameters, caches, act_derivative=ReLU().derivative):
    """
    Gradients of compute_cost(A^L, Y) with respect to every parameter.

    Inputs:
    - Y: targets, shape (n^L, m).
    - parameters: dict of 'W{l}', 'b{l}'.
    - caches: dict of 'A0', 'Z{l}', 'A{l}' from forward_propagation.
    - act_derivative: derivative of the activation, a callable applied to
      Z (default ReLU().derivative).

    Returns:
    - grads: dict with, for l = 1, ..., L, 'dW{l}' (shape of W{l}) and
      'db{l}' (shape (n^l, 1)): dW = dZ @ A_prev.T and db = the sum of dZ
      over the samples (axis 1, keepdims). dZ already holds the 1/m.
    """
    L = len(parameters) // 2  # num of layers in DNN
    m = Y.shape[1]            # num of training samples
    grads = {}

    ZL = caches['Z' + str(L)]
    AL = caches['A' + str(L)]
    dZ = (AL - Y) / m * act_derivative(ZL)  # Derivative of loss w.r.t. A

    for l in reversed(range(1, L+1)):
        # Compute the gradients using dZ and A_prev
        A_prev = caches['A' + str(l-1)]
        ### Code here ### (~ 2 lines of code)
        pass
        ### Code here ### (~ 2 lines of code)

        # Store the computed gradients
        grads['dW' + str(l)] = dW
        grads['db' + str(l)] = db

        # Backpropogate dZ
        W = parameters['W' + str(l)]
        if l > 1:
            Z_prev = caches['Z' + str(l - 1)]
            dZ = W.T @ dZ * act_derivative(Z_prev)

    return grads


# Define the Neural Network class
class NeuralNetwork:
    """
    A DNN of input size n_x, output size n_y, depth layers (depth - 1
    hidden layers of width n_h, then the output layer) and one activation
    act for every layer.

    Attributes: n_x, n_y, n_h, depth, act; parameters (dict, set by
    initialize()); caches (set by forward()); grads (set by backward()).
    """

    def __init__(self, n_x, n_y, n_h, depth, act=ReLU()):
        self.n_x = n_x
        self.n_y = n_y
        self.n_h = n_h
        self.depth = depth
        self.act = act
        self.initialize()

    def initialize(self):
        """
        Set self.parameters to initialize_dnn_parameters(layer_dims) for
        layer_dims = [n_x, n_h, ..., n_h, n_y] (depth - 1 hidden layers).
        """
        layer_dims = [self.n_x] + [self.n_h] * (self.depth-1) + [self.n_y]
        ### Code here ### (~ 1 lines of code)
        pass
        ### Code here ### (~ 1 lines of code)

    def forward(self, X):
        self.caches = {}
        output, caches = forward_propagation(X, self.parameters, self.act)
        self.caches = caches
        return output

    def backward(self, Y):
        """
        Set self.grads to the gradients computed by back_propagation() from
        Y, self.parameters, self.caches and the derivative of self.act
        (self.act.derivative).
        """
        self.grads = {}
        ### Code here ### (~ 1 lines of code)
        pass
        ### Code here ### (~ 1 lines of code)
        self.grads = grads

    def __call__(self, X):
        return self.forward(X)


def gradient_descent_step(parameters, grads, learning_rate):
    """
    One gradient descent step, in place: for every layer l,
    W{l} <- W{l} - learning_rate * dW{l} and b{l} <- b{l} - learning_rate *
    db{l}, stored back into parameters.

    Inputs:
    - parameters: dict of 'W{l}', 'b{l}' (updated).
    - grads: dict of 'dW{l}', 'db{l}' (not modified).
    - learning_rate: scalar step size.

    Returns nothing.
    """
    L = len(parameters) // 2
    for l in range(1, L+1):
        W, b = parameters['W' + str(l)], parameters['b' + str(l)]
        dW, db = grads['dW' + str(l)], grads['db' + str(l)]

        ### Code here ### (~ 1 lines of code)
        pass
        ### Code here ### (~ 1 lines of code)
        b -= learning_rate * db

        parameters['W' + str(l)] = W
        parameters['b' + str(l)] = b


class Optimizer:
    """Base class: holds the network and the learning rate (given)."""

    def __init__(self, network, learning_rate):
        self.network = network  # The entire neural network is passed in
        self.learning_rate = learning_rate

    def step(self):
        raise NotImplementedError("Step method must be implemented in a subclass")


class GradientDescent(Optimizer):
    """Plain gradient descent on network.parameters with network.grads."""
    # No need to redefine __init__() because it uses the same as Optimizer

    def step(self):
        """One step of gradient descent, done by gradient_descent_step()."""
        ### Code here ### (~ 1 lines of code)
        pass
        ### Code here ### (~ 1 lines of code)


class GradientDescentWithMomentum(Optimizer):
    """
    Gradient descent with momentum, velocities kept per parameter key:
      v <- beta * v + (1 - beta) * g;   w <- w - learning_rate * v.

    Inputs of __init__: network, learning_rate, beta (momentum factor,
    default 0.9). self.velocities[key] starts at zeros.
    """

    def __init__(self, network, learning_rate, beta=0.9):
        super().__init__(network, learning_rate)
        self.beta = beta
        self.velocities = {}

    def step(self):
        for key in self.network.parameters.keys():
            # Get corresponding gradient key: W1 -> dW1, b1 -> db1
            grad_key = 'd' + key

            # Get the parameter value and gradient value
            param = self.network.parameters[key]
            grad = self.network.grads[grad_key]

            # Initialize velocity if not present
            if key not in self.velocities:
                self.velocities[key] = np.zeros_like(param)

            # Get the previous velocity for this parameter
            velocity = self.velocities[key]

            # Update the velocity and parameter using the momentum formula
            ### Code here ### (~ 2 lines of code)
            pass
            ### Code here ### (~ 2 lines of code)

            # Store the updated velocity and parameter back into the neural network
            self.velocities[key] = velocity
            self.network.parameters[key] = param


class RMSProp(Optimizer):
    """
    RMSProp, running averages of squared gradients kept per parameter key:
      s <- beta * s + (1 - beta) * g**2;
      w <- w - learning_rate * g / (sqrt(s) + eps),  eps = 1e-8
    (eps outside the square root; inside, sqrt(s + eps), is also accepted).

    Inputs of __init__: network, learning_rate, beta (scaling factor,
    default 0.9). self.squared_gradients[key] starts at zeros.
    """

    def __init__(self, network, learning_rate, beta=0.9):
        super().__init__(network, learning_rate)
        self.beta = beta
        self.squared_gradients = {}

    def step(self):
        eps = 1e-8
        for key in self.network.parameters.keys():
            # Get corresponding gradient key: W1 -> dW1, b1 -> db1
            grad_key = 'd' + key

            # Get the parameter value and gradient value
            param = self.network.parameters[key]
            grad = self.network.grads[grad_key]

            # Initialize running average of squared gradients if not present
            if key not in self.squared_gradients:
                self.squared_gradients[key] = np.zeros_like(param)

            # Get the previous squared_gradient for this parameter
            squared_gradient = self.squared_gradients[key]

            # Update the squared_gradient and parameter using the RMSProp formula
            ### Code here ### (~ 2 lines of code)
            pass
            ### Code here ### (~ 2 lines of code)

            # Store the updated parameter back into the neural network
            self.squared_gradients[key] = squared_gradient
            self.network.parameters[key] = param


class Adam(Optimizer):
    """
    Adam as this homework defines it (no bias correction):
      v <- beta1 * v + (1 - beta1) * g;
      s <- beta2 * s + (1 - beta2) * g**2;
      w <- w - learning_rate * v / (sqrt(s) + eps),  eps = 1e-8
    (eps outside the square root; inside is also accepted).

    Inputs of __init__: network, learning_rate, beta1 (default 0.9), beta2
    (default 0.999). self.velocities[key] and self.squared_gradients[key]
    start at zeros.
    """

    def __init__(self, network, learning_rate, beta1=0.9, beta2=0.999):
        super().__init__(network, learning_rate)
        self.beta1 = beta1
        self.beta2 = beta2
        self.velocities = {}
        self.squared_gradients = {}

    def step(self):
        eps = 1e-8
        for key in self.network.parameters.keys():
            # Get corresponding gradient key: W1 -> dW1, b1 -> db1
            grad_key = 'd' + key

            # Get the parameter value and gradient value
            param = self.network.parameters[key]
            grad = self.network.grads[grad_key]

            # Initialize velocity and running average of squared gradients if not present
            if key not in self.velocities:
                self.velocities[key] = np.zeros_like(param)

            if key not in self.squared_gradients:
                self.squared_gradients[key] = np.zeros_like(param)

            # Get the previous velocity and squared_gradient for this parameter
            velocity = self.velocities[key]
            squared_gradient = self.squared_gradients[key]

            # Update the velocity, squared_gradient, and parameters using the Adam formula
            ### Code here ### (~ 3 lines of code)
            pass
            ### Code here ### (~ 3 lines of code)

            # Store the updated parameter back into the neural network
            self.velocities[key] = velocity
            self.squared_gradients[key] = squared_gradient
            self.network.parameters[key] = param


def train_loop(model, optimizer, X, Y, evaluate=False, print_cost=False):
    """One iteration: the loss on (X, Y); unless evaluate, a backward pass and an optimizer
    step (given)."""
    outputs = model(X)
    loss = compute_cost(outputs, Y)
    if not evaluate:
        model.backward(Y)
        optimizer.step()

    return loss


def train(model, optimizer, X_train, Y_train, X_test, Y_test, num_iterations=10, print_cost=False):
    """Train for num_iterations; returns (train_losses, test_losses), arrays of shape
    (num_iterations,) (given)."""
    train_losses = []
    test_losses = []

    for i in range(num_iterations):
        # Perform training and evaluation every iteration
        test_loss = train_loop(model, optimizer, X_test, Y_test, evaluate=True, print_cost=print_cost)
        train_loss = train_loop(model, optimizer, X_train, Y_train, evaluate=False, print_cost=print_cost)

        # Store both train and test losses
        train_losses.append(train_loss)
        test_losses.append(test_loss)

        # Optionally print the loss values
        if print_cost and i % 10 == 0:
            print(f"Train Loss at {i}: {train_loss}; Test Loss at {i}: {test_loss}")

    return np.array(train_losses), np.array(test_losses)
