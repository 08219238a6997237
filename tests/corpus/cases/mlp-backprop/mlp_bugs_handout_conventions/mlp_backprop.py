"""
COMS W4732 Homework 2: Machine Learning Basics.

Section 1: a multi-layer perceptron in numpy (Hidden and Hidden_Vondrick
layers, an Output layer and a softmax cross-entropy Loss), trained with
hand-written backpropagation. Section 2: 2-D test functions and
gradient-based update rules.

If you work in the notebook, keep these names and signatures: the notebook
is graded from its definitions (only imports, def/class statements and
constants are read; nothing else in it is run).

What you implement (each between "YOUR CODE HERE" and "END YOUR CODE"):
Section 1: Hidden.backward_pass, Hidden.leaky_relu_derivative,
  Hidden_Vondrick.vondrick_activation,
  Hidden_Vondrick.vondrick_activation_derivative,
  Hidden_Vondrick.backward_pass, Output.backward_pass, NN.predict.
Section 2: bowl, mult, monkey, matyas, easom; gradient_descent,
  stochastic_gradient_descent, momentum, adagrad, adam.
Everything else is given.

Shapes (Section 1). Samples are ROWS: a batch X has shape
(batch_size, input_dims); a layer has W of shape (input_dims, output_dims)
and c of shape (1, output_dims) (the Output layer calls them w and b);
activations h and the gradients flowing between layers have shape
(batch_size, output_dims).

Each TODO is graded on its own: where your backward pass calls
leaky_relu_derivative or vondrick_activation_derivative, or a network's
backward_prop calls the other layers' backward passes, the grader answers
those calls with correct values, so a bug is charged once, where it is.

Conventions of the backward passes (the autograder checks these, and so does
a numerical gradient check of the loss forward_prop computes):
- The loss is the MEAN cross-entropy over the batch plus
  0.5 * alpha * ||W||^2 for every weight matrix (biases not regularized).
- The given Loss.backward_pass returns p - onehot(y) WITHOUT dividing by the
  batch size m: the gradient dLdh (or dLdz) a layer receives is m times the
  gradient of the mean loss. So every layer divides the data part of its
  OWN parameter gradients by m, and passes its input gradient on as is:
      dLdU     = dLdh * g'(U)                      (elementwise)
      dLdW     = X.T @ dLdU / m + alpha * W
      dLdc     = np.sum(dLdU, axis=0) / m
      for_prev = dLdU @ W.T          (with W BEFORE the update; not / m)
  (The original handout divided the bias gradient by m but not the weight
  gradient: that is not the gradient of the loss it computes.)
- Leaky ReLU: g(x) = x for x > 0 and 0.01 x for x <= 0, so g'(x) = 1 for
  x > 0 and 0.01 for x < 0. At x = 0 (the kink) g has no derivative: any
  value between the one-sided derivatives 0.01 and 1, or 0 (the mask
  convention), is accepted there.
  leaky_relu_derivative receives the activations h: h > 0 exactly where the
  pre-activation U > 0.
- Vondrick activation with exponent n: h = U**n for U > 0, 0.01 U for
  U <= 0. vondrick_activation_derivative returns TWO arrays of shape
  (batch_size, output_dims): dh/dU = n U**(n-1) (U > 0), 0.01 (U <= 0); and
  dh/dn = ln(U) U**n (U > 0), 0 (U <= 0). The backward pass combines dh/dn
  with dLdh: dL/dn = np.sum(dLdh * dh/dn) / m, a scalar.
- Hidden_Vondrick updates W and c with the hard-coded learning rate 0.0005
  and the exponent with step 0.001 (given lines).

Conventions of Section 2:
- Test functions return (f, opt): f(x, y) works elementwise on numbers and
  numpy arrays; opt() returns the location of the optimum as
  np.array([x*, y*]).
- monkey is the monkey saddle x**3 - 3 * x * y**2. (The handout writes
  x^3 + 3xy^2, which is not a monkey saddle; it is also accepted.)
- stochastic_gradient_descent and momentum simulate noisy gradients: each
  gradient component gets Gaussian noise of mean 0 and standard deviation 1
  (gauss(dx, 1) from the random module, or numpy's equivalent). They are
  graded statistically (mean and spread over many calls).
- gradient_descent, adagrad and adam are deterministic: NO noise (the
  formulas have none).
- adam receives i, the 0-based iteration number (Optimizer.fit passes
  i = 0 for the first update): the bias corrections use t = i + 1. Epsilon
  goes inside the square root as in the formula, sqrt(s_hat + eps)
  (np.sqrt(s_hat) + eps is also accepted); f_x, f_y, s_x, s_y returned are
  the uncorrected accumulators.
"""

from random import gauss

import numpy as np

# ============================================================================
# Section 1: Backpropagation
# ============================================================================


class Base:
    """Common interface of the layers (given)."""

    def __init__(self, input_dims: int, output_dims: int):
        self.input_dims = input_dims
        self.output_dims = output_dims

    def forward_pass(self):
        pass

    def backward_pass(self):
        pass

    def update_weights(self, W, b, del_W, del_b, learning_rate):
        W -= (learning_rate * del_W)
        b -= (learning_rate * del_b)
        return W, b


class Hidden(Base):
    """A linear layer followed by Leaky ReLU."""

    def __init__(self, input_dims: int, output_dims: int):
        super().__init__(input_dims, output_dims)

        self.W = np.random.random((input_dims, output_dims)) - 0.5
        self.c = np.random.random((1, output_dims)) - 0.5

    def forward_pass(self, X):
        U = X @ self.W + self.c
        activations = self.leaky_relu(U)
        return activations

    def backward_pass(self, X, h, dLdh, alpha, learning_rate):
        m = X.shape[0]
        dLdU = dLdh * self.leaky_relu_derivative(h)
        dLdW = np.dot(X.T, dLdU) + alpha * self.W
        dLdc = np.sum(dLdU, axis=0, keepdims=True) / m
        for_prev = np.dot(dLdU, self.W.T)
        self.W, self.c = self.update_weights(self.W, self.c, dLdW, dLdc, learning_rate)
        return for_prev
        # Note: for_prev is the gradient dL/dh' we pass onto the previous layer h'

    def leaky_relu(self, inp):
        activation_mask = 1.0 * (inp > 0) + 0.01 * (inp < 0)
        activations = np.multiply(inp, activation_mask)
        return activations

    def leaky_relu_derivative(self, h):
        derivative = (h > 0) * 1.0 + (h <= 0) * 0.01
        return derivative


class Hidden_Vondrick(Base):
    """A linear layer followed by the Vondrick activation with a learnable exponent."""

    def __init__(self, input_dims: int, output_dims: int):
        super().__init__(input_dims, output_dims)

        self.W = np.random.random((input_dims, output_dims))
        self.c = np.random.random((1, output_dims))
        self.U = None

        # The learnable exponent, called Vondrick Exponent, for our custom activation function
        # is initialized from a Uniform(1.4, 2) distribution. You may change this if you really
        # want to, but keep it close to this range to ensure training stability.
        self.vondrick_exponent = np.random.uniform(1.4, 2)

        print("Intital Value of Vondrick Exponent: " + str(self.vondrick_exponent))

    def forward_pass(self, X):
        self.U = X @ self.W + self.c
        # Applies the custom activation elementwise
        activations = self.vondrick_activation(self.U)
        return activations

    def backward_pass(self, X, h, dLdh, alpha, learning_rate=0.0005):
        dh_dU, dh_dexponent = self.vondrick_activation_derivative()
        m = X.shape[0]
        dLdU = dLdh * dh_dU
        dLdW = X.T @ dLdU / m + alpha * self.W
        dLdc = dLdU.sum(axis=0) / m
        dL_dexponent = np.sum(dh_dexponent) / m
        for_prev = dLdU @ self.W.T
        self.W, self.c = self.update_weights(self.W, self.c, dLdW, dLdc, 0.0005)
        self.vondrick_exponent = max(1.01, self.vondrick_exponent - 0.001 * dL_dexponent)
        return for_prev

    def vondrick_activation(self, U):
        activations = np.where(U > 0, np.abs(U) ** self.vondrick_exponent, 0.01 * U)
        return activations

    def vondrick_activation_derivative(self):
        U, n = self.U, self.vondrick_exponent
        pos = U > 0
        safe = np.where(pos, U, 1.0)
        dh_dU = np.where(pos, n * safe ** (n - 1), 0.01)
        dh_dexponent = np.where(pos, np.log(safe) * safe ** n, 0.0)
        return dh_dU, dh_dexponent


class Output(Base):
    """The linear output layer z = h @ w + b (scores; softmax is in Loss)."""

    def __init__(self, input_dims, output_dims):
        super().__init__(input_dims, output_dims)
        self.w = np.random.random((input_dims, output_dims)) - 0.5
        self.b = np.random.random((1, output_dims)) - 0.5

    def forward_pass(self, h):
        z = h @ self.w + self.b
        # trick: subtracting max z as softmax is not effected: prevents overflow when we do
        # exponentiation
        z = z - np.max(z, axis=1).reshape(z.shape[0], 1)
        return z

    def backward_pass(self, h, dLdz, alpha, learning_rate):
        m = h.shape[0]
        dLdw = h.T @ dLdz / m + alpha * self.w
        dLdb = np.sum(dLdz, axis=0) / m
        self.w, self.b = self.update_weights(self.w, self.b, dLdw, dLdb, learning_rate)
        dLdh = dLdz @ self.w.T
        return dLdh


class Loss(Base):
    """Softmax cross-entropy, averaged over the batch (given)."""

    def __init__(self, input_dims, output_dims):
        super().__init__(input_dims, output_dims)

    def forward_pass(self, z, y):
        # Computing Softmax Cross Entropy Loss terms for each z_i. Note dimensions of temp:
        # batch_size x output layer output_dims
        temp = -z + np.log(np.sum(np.exp(z), axis=1)).reshape(z.shape[0], 1)
        # Extracts Loss term corresponding only to ground truth class from each row (sample).
        L = temp[np.arange(z.shape[0]), y.flatten().astype(int)]
        L = np.mean(L)  # Mean Loss over the batch
        return L

    def backward_pass(self, z, y):
        # Recall the simplified expression we get for dL_i/dz_k= p_k- I(y_i=k)
        temp1 = np.zeros(z.shape)
        for i in range(z.shape[0]):
            true_class = int(y[i].item())
            # -1 is added to the loss term corresponding to the true class
            temp1[i][true_class] = -1

        # Matrix of p_k terms, aka, elements replaced by softmaxed probabilities
        temp2 = np.exp(z) / np.sum(np.exp(z), axis=1).reshape(z.shape[0], 1)
        for_previous = temp1 + temp2
        return for_previous


class NN:
    """A stack of hidden layers, an output layer and a loss layer (given, but predict)."""

    def __init__(self):
        self.output_layer = self.loss_layer = None
        self.hidden_layers = []

    def add_layer(self, name, input_dims, output_dims):
        if name.lower() == 'hidden':
            self.hidden_layers.append(Hidden(input_dims, output_dims))
        elif name.lower() == 'hidden_vondrick':
            self.hidden_layers.append(Hidden_Vondrick(input_dims, output_dims))
        elif name.lower() == 'output':
            self.output_layer = Output(input_dims, output_dims)
        elif name.lower() == 'loss':
            self.loss_layer = Loss(input_dims, output_dims)

    def forward_prop(self, X, y, alpha):
        hidden_outputs = []
        z = L = h = None
        for layer in self.hidden_layers:
            h = layer.forward_pass(X)
            hidden_outputs.append(h)
            X = h
        z = self.output_layer.forward_pass(h)
        L = self.loss_layer.forward_pass(z, y)
        for layer in self.hidden_layers:
            L += 0.5 * alpha * np.linalg.norm(layer.W) ** 2
        L += 0.5 * alpha * np.linalg.norm(self.output_layer.w) ** 2
        return hidden_outputs, z, L

    def backward_prop(self, X, hidden_outputs, z, y, alpha=0.01, learning_rate=0.01):
        dLdz = self.loss_layer.backward_pass(z, y)
        for_previous = self.output_layer.backward_pass(hidden_outputs[-1], dLdz, alpha,
                                                       learning_rate)
        for i in range(len(self.hidden_layers) - 1, 0, -1):
            temp = self.hidden_layers[i].backward_pass(hidden_outputs[i - 1], hidden_outputs[i],
                                                       for_previous, alpha, learning_rate)
            for_previous = temp
        self.hidden_layers[0].backward_pass(X, hidden_outputs[0], for_previous, alpha,
                                            learning_rate)

    def train(self, X, y, epochs, batch_size, learning_rate, alpha, show_training_accuracy=True):
        loss = []
        for epoch in range(epochs):
            predicted = self.predict(X)
            correct = 0
            for i in range(len(predicted)):
                if predicted[i] == y[i]:
                    correct += 1
            if show_training_accuracy:
                print(f'the accuracy on the training data after epoch {epoch + 1} is '
                      f'{correct / X.shape[0]}')
            temp = total = 0
            for k in range(0, X.shape[0], batch_size):
                inp = X[k:k + batch_size]
                out = y[k:k + batch_size]

                hidden_outputs, z, L = self.forward_prop(inp, out, alpha)
                temp += L
                total += 1
                self.backward_prop(inp, hidden_outputs, z, out, alpha, learning_rate)

            loss.append(temp / total)

        return loss

    def predict(self, X):
        h = X
        for layer in self.hidden_layers:
            h = layer.forward_pass(h)
        z = self.output_layer.forward_pass(h)
        predictions = np.argmax(z, axis=0).reshape(-1, 1)
        return predictions

    def compute_accuracy(self, X, Y):
        predicted_Y = self.predict(X)
        correct = 0
        for i in range(len(predicted_Y)):
            if predicted_Y[i] == Y[i]:
                correct += 1
        return correct / len(Y)


def plot_loss(loss_li):
    """Given a list of losses over the epochs, plots the loss curve (given)."""
    import matplotlib.pyplot as plt

    plt.xlabel("epoch")
    plt.ylabel("loss")
    plt.title("loss of the neural network per epoch")
    plt.plot(loss_li)
    plt.show()


# ============================================================================
# Section 2: Optimization
# ============================================================================


def bowl():
    def f_bowl(x, y):
        return x ** 2 + y ** 2

    def opt_bowl():
        return np.array([0., 0.])

    return f_bowl, opt_bowl


def mult():
    def f_mult(x, y):
        return np.sqrt(x * x + y * y)

    def opt_mult():
        return np.array([0., 0.])

    return f_mult, opt_mult


def monkey():
    def f_monkey(x, y):
        return x ** 3 + 3 * x * y ** 2

    def opt_monkey():
        return np.array([0., 0.])

    return f_monkey, opt_monkey


def matyas():
    def f_matyas(x, y):
        return 0.26 * (x ** 2 + y ** 2) - 0.48 * x * y

    def opt_matyas():
        return np.array([0., 0.])

    return f_matyas, opt_matyas


def easom():
    def f_easom(x, y):
        return -np.cos(x) * np.cos(y) * np.exp(-((x - np.pi) ** 2 + (y - np.pi) ** 2))

    def opt_easom():
        return np.array([np.pi, np.pi])

    return f_easom, opt_easom


def plot_func(f):
    """Surface and contour plot of a test function (given)."""
    import matplotlib.pyplot as plt

    func, opt = f()
    xmin, xmax, ymin, ymax, step = -4.5, 4.5, -4.5, 4.5, 0.2
    x, y = np.meshgrid(np.arange(xmin, xmax + step, step), np.arange(ymin, ymax + step, step))
    z = func(x, y)
    optima = opt().reshape(-1, 1)
    fig = plt.figure(figsize=(12, 6), dpi=100)
    ax = fig.add_subplot(1, 2, 1, projection='3d')
    ax.plot_surface(x, y, z, rstride=5, cstride=5, alpha=0.5, cmap=plt.cm.plasma)
    ax.contourf(x, y, z, 25, zdir='z', offset=-1, alpha=0.6, cmap=plt.cm.coolwarm)
    ax.plot(*optima, func(*optima), 'r*', markersize=10)
    ax.set_xlabel('$x$')
    ax.set_ylabel('$y$')
    ax.set_zlabel('$z$')
    plt.show()


def gradient_descent(x, y, dx, dy, hparams):
    alpha = hparams['alpha']
    x = x - alpha * dx
    y = y - alpha * dy
    return x, y


def stochastic_gradient_descent(x, y, dx, dy, hparams):
    alpha = hparams['alpha']
    x = x - alpha * gauss(dx, 1)
    y = y - alpha * gauss(dy, 1)
    return x, y


def momentum(x, y, dx, dy, v_x, v_y, hparams):
    alpha = hparams['alpha']
    gamma = hparams['gamma']
    v_x = gamma * v_x + alpha * (dx + np.random.normal(0, 1))
    v_y = gamma * v_y + alpha * (dy + np.random.normal(0, 1))
    return x - v_x, y - v_y, v_x, v_y


def adagrad(x, y, dx, dy, v_x, v_y, hparams):
    eps = hparams['eps']
    alpha = hparams['alpha']
    dx = gauss(dx, 1)
    dy = gauss(dy, 1)
    v_x += dx ** 2
    v_y += dy ** 2
    x -= alpha * dx / (np.sqrt(v_x) + eps)
    y -= alpha * dy / (np.sqrt(v_y) + eps)
    return x, y, v_x, v_y


def adam(x, y, dx, dy, f_x, f_y, s_x, s_y, i, hparams):
    eps = hparams['eps']
    alpha = hparams['alpha']
    beta_1 = hparams['beta_1']
    beta_2 = hparams['beta_2']
    t = i
    f_x = beta_1 * f_x + (1 - beta_1) * dx
    f_y = beta_1 * f_y + (1 - beta_1) * dy
    s_x = beta_2 * s_x + (1 - beta_2) * dx ** 2
    s_y = beta_2 * s_y + (1 - beta_2) * dy ** 2
    x = x - alpha * (f_x / (1 - beta_1 ** t)) / (np.sqrt(s_x / (1 - beta_2 ** t)) + eps)
    y = y - alpha * (f_y / (1 - beta_1 ** t)) / (np.sqrt(s_y / (1 - beta_2 ** t)) + eps)
    return x, y, f_x, f_y, s_x, s_y


class Optimizer:
    """Runs one of the update rules on a test function (given).

    x_init, y_init: start point; method: 'grad', 'sgrad', 'grad_momentum',
    'adagrad' or 'adam'; func: a test function (bowl, mult, ...); hparams:
    alpha, gamma, eps, beta_1, beta_2. Gradients come from autograd.
    """

    def __init__(self, x_init, y_init, method, func, hparams):
        from autograd import grad

        f, optima = func()
        self.x = x_init
        self.y = y_init
        self.hparams = hparams
        self.first = True
        self.iter = 0
        self.x_list = []
        self.y_list = []
        self.cp_x, self.cp_y = (float(v) for v in optima())
        self.method = method
        self.f = f
        self.f_gradx = grad(f, 0)
        self.f_grady = grad(f, 1)
        self.count = 0

    def distance(self, x, y):
        """L2 norm to the optimum."""
        return ((x - self.cp_x)**2 + (y - self.cp_y)**2) ** 0.5

    def cgrad(self, x, y):
        """Uses autograd."""
        return self.f_gradx(x, y), self.f_grady(x, y)

    def fit(self, epochs):
        """epochs: number of updates."""
        self.x_list, self.y_list, self.z_list = [], [], []
        v_x = v_y = f_x = f_y = s_x = s_y = 0.
        for i in range(epochs):
            self.x_list.append(self.x)
            self.y_list.append(self.y)
            self.z_list.append(self.f(self.x, self.y))
            dx, dy = self.cgrad(self.x, self.y)
            if self.method == 'grad':
                self.x, self.y = gradient_descent(self.x, self.y, dx, dy, self.hparams)
            elif self.method == 'sgrad':
                self.x, self.y = stochastic_gradient_descent(self.x, self.y, dx, dy,
                                                             self.hparams)
            elif self.method == 'grad_momentum':
                self.x, self.y, v_x, v_y = momentum(self.x, self.y, dx, dy, v_x, v_y,
                                                    self.hparams)
            elif self.method == 'adagrad':
                self.x, self.y, v_x, v_y = adagrad(self.x, self.y, dx, dy, v_x, v_y,
                                                   self.hparams)
            elif self.method == 'adam':
                self.x, self.y, f_x, f_y, s_x, s_y = adam(self.x, self.y, dx, dy, f_x, f_y,
                                                          s_x, s_y, i, self.hparams)
            if self.distance(self.x, self.y) < 1 and self.first:
                self.iter = i
                self.first = False

