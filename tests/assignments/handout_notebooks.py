"""The seeds' own completed notebooks, cell by cell, as students hand them in.

Seed 002 is a student's completed homework: its code cells are reproduced here (PDF-export
artifacts removed, code unchanged), experiment cells included, so the tests can grade the
notebook exactly as a student of that course would submit it.
"""

# The student's lines are kept as they were, long ones included.
# ruff: noqa: E501

from __future__ import annotations

SEED_002_CELLS = [
    "import numpy as np\nimport random\nimport pandas as pd\nimport matplotlib.pyplot as plt\n"
    "%matplotlib inline\n",
    '''import numpy as np
import random
import pandas as pd
import matplotlib.pyplot as plt

class Base:
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
    def __init__(self, input_dims: int, output_dims: int):
        super().__init__(input_dims, output_dims)

        self.W = np.random.random((input_dims, output_dims)) - 0.5
        self.c = np.random.random((1, output_dims)) - 0.5

    def forward_pass(self, X):
        U = X @ self.W + self.c
        activations = self.leaky_relu(U)
        return activations

    def backward_pass(self, X, h, dLdh, alpha, learning_rate):
        """
        TO DO: Finish this backward_pass method by completing the lines marked by the #s.
        """

        relu_derivative = self.leaky_relu_derivative(h)
        dLdU = np.multiply(dLdh, relu_derivative) #
        dLdW = np.dot(X.T, dLdU) + alpha*self.W #
        dLdc = np.sum(dLdU,axis=0)/dLdU.shape[0] #
        for_prev = np.dot(dLdU,self.W.T) #

        self.W, self.c = self.update_weights(self.W, self.c, dLdW, dLdc, learning_rate)
        return for_prev
        """Note: for_prev is the gradient dL/dh' we pass onto the previous layer h' """

    def leaky_relu(self, inp):
        activation_mask = 1.0 * (inp > 0) + 0.01 * (inp < 0)
        activations = np.multiply(inp, activation_mask)
        return activations

    def leaky_relu_derivative(self, h):
        """
        TO DO: Implement the leaky_relu_derivative method.
        """
        leaky_relu_derivative = 1.0*(h>0) + 0.01*(h<0)
        return leaky_relu_derivative

class Hidden_Vondrick(Base):
    def __init__(self, input_dims: int, output_dims: int):
        super().__init__(input_dims, output_dims)

        self.W = np.random.random((input_dims, output_dims))
        self.c = np.random.random((1, output_dims))
        self.U = None

        self.vondrick_exponent = np.random.uniform(1.4, 2) # The learnable exponent

        print("Intital Value of Vondrick Exponent: " + str(self.vondrick_exponent))

    def forward_pass(self, X):
        self.U = X @ self.W + self.c
        # Applies the custom activation elementwise
        activations = self.vondrick_activation(self.U)
        return activations

    def backward_pass(self, X, h, dLdh, alpha, learning_rate=0.0005):
        """
        # TO DO: Fill in this backward pass method.
        """
        vondrick_derivative, dL_dexponent_scalar = self.vondrick_activation_derivative()
        dLdU = np.multiply(dLdh, vondrick_derivative) #
        dLdW = np.dot(X.T, dLdU) + alpha * self.W #
        dLdc = np.sum(dLdU, axis=0) #
        for_prev = np.dot(dLdU, self.W.T) #

        # Note, that for the purposes of training stablity, we have hard-coded the learning rate here to be 0.0005
        self.W, self.c = self.update_weights(self.W, self.c, dLdW, dLdc, 0.0005)

        # Gradient Descent on our learnable activation function parameter: Updating exponent, but clipping it's lower range to 1.01
        self.vondrick_exponent = max(1.01, self.vondrick_exponent - 0.001 * dL_dexponent_scalar)

        return for_prev

    def vondrick_activation(self, U):
        """
        TO DO: return activations: (batch_size x output_dims)
        """
        vondrick = np.vectorize(lambda x: x**self.vondrick_exponent if x>0 else 0.01*x)
        activations = vondrick(U)
        return activations

    def vondrick_activation_derivative(self):
        """
        # TO DO: return dh/dU and dh/dexponent
        """
        U_func = np.vectorize(lambda x: self.vondrick_exponent*x**(self.vondrick_exponent-1) if x>0 else 0.01)
        exp_func = np.vectorize(lambda x: np.log(x)*x**self.vondrick_exponent if x>0 else 0)
        derivative_wrt_U = U_func(self.U)
        derivative_wrt_exponent = np.sum(exp_func(self.U))

        return derivative_wrt_U, derivative_wrt_exponent

class Output(Base):

    def __init__(self, input_dims, output_dims):
        super().__init__(input_dims, output_dims)
        self.w = np.random.random((input_dims, output_dims)) - 0.5
        self.b = np.random.random((1, output_dims)) - 0.5

    def forward_pass(self, h):
        z = h @ self.w + self.b
        z = z - np.max(z, axis=1).reshape(z.shape[0], 1) # trick: subtracting max z
        return z

    def backward_pass(self, h, dLdz, alpha, learning_rate):
        """
        # TO DO: Implement the backward pass for the output layer.
        """
        dLdw = np.dot(h.T, dLdz) + alpha * self.w
        dLdb = np.sum(dLdz, axis=0)/dLdz.shape[0]
        dLdh = np.dot(dLdz, self.w.T)
        self.w, self.b = self.update_weights(self.w, self.b, dLdw, dLdb, learning_rate)
        return dLdh

class Loss(Base):

    def __init__(self, input_dims, output_dims):
        super().__init__(input_dims, output_dims)

    def forward_pass(self, z, y):
        temp = -z + np.log(np.sum(np.exp(z), axis=1)).reshape(z.shape[0], 1)
        L = temp[np.arange(z.shape[0]), y.flatten().astype(int)]
        L = np.mean(L) # Mean Loss over the batch
        return L

    def backward_pass(self, z, y):
        temp1 = np.zeros(z.shape)
        for i in range(z.shape[0]):
            true_class = int(y[i].item())
            temp1[i][true_class] = -1

        temp2 = np.exp(z) / np.sum(np.exp(z), axis=1).reshape(z.shape[0], 1)
        for_previous = temp1 + temp2
        return for_previous

class NN:
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
        for_previous = self.output_layer.backward_pass(hidden_outputs[-1], dLdz, alpha, learning_rate)
        for i in range(len(self.hidden_layers) - 1, 0, -1):
            temp = self.hidden_layers[i].backward_pass(hidden_outputs[i - 1], hidden_outputs[i], for_previous, alpha,
                                                        learning_rate)
            for_previous = temp
        self.hidden_layers[0].backward_pass(X, hidden_outputs[0], for_previous, alpha, learning_rate)

    def train(self, X, y, epochs, batch_size, learning_rate, alpha, show_training_accuracy=True):
        loss = []
        for epoch in range(epochs):
            predicted = self.predict(X)
            correct = 0
            for i in range(len(predicted)):
                if predicted[i] == y[i]:
                    correct += 1
            if show_training_accuracy:
                print(f'the accuracy on the training data after epoch {epoch + 1} is {correct / X.shape[0]}')
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
        """
        TO DO: Implement the predict() method
        """
        for layer in self.hidden_layers:
            h = layer.forward_pass(X)
            X = h

        z = self.output_layer.forward_pass(X)
        predictions = np.argmax(z, axis=1)

        return predictions

    def compute_accuracy(self, X, Y):
        predicted_Y = self.predict(X)
        correct = 0
        for i in range(len(predicted_Y)):
            if predicted_Y[i] == Y[i]:
                correct += 1
        return correct / len(Y)

def plot_loss(loss_li):
    # Given a list of losses over the epochs, plots the loss curve.
    plt.xlabel("epoch")
    plt.ylabel("loss")
    plt.title("loss of the neural network per epoch")
    plt.plot(loss_li)
    plt.show()
''',
    "from sklearn.neural_network import MLPClassifier\nfrom sklearn.preprocessing import "
    "MinMaxScaler\nfrom sklearn.model_selection import train_test_split\n",
    "'''\nfrom google.colab import files\nuploaded = files.upload()\n'''\n"
    "wine_dataset = pd.read_csv('./winequality-red.csv')\n",
    '''#Converting Labels to a Binary Classification Problem
def Convert_Labels(data):
    data.loc[:, 'quality'] = np.where(data.loc[:, 'quality'] >= 6, 1, 0)
    return data

#Scales features to constrain them to lie within the default range (0,1)
def DataScaler(data):
    scaler = MinMaxScaler()
    data = scaler.fit_transform(data)
    return data

all_columns = list(wine_dataset)
target = ['quality']
print(all_columns)
features = list(set(all_columns) - set(target))
wine_dataset.loc[:, features] = DataScaler(wine_dataset.loc[:, features])

wine_dataset.head()
''',
    "label_converted_dataset = Convert_Labels(wine_dataset)\nprint(label_converted_dataset)\n",
    "y_wine = label_converted_dataset.loc[:, 'quality']\nX_wine = label_converted_dataset.drop("
    "target, axis=1)\nX_wine_np= np.asarray(X_wine)\ny_wine_np= np.asarray(y_wine)\n"
    "X_wine_train, X_wine_test, y_wine_train, y_wine_test = train_test_split(X_wine_np, "
    "y_wine_np, test_size=0.25, random_state=1)\n",
    "wine_quality_classifier = MLPClassifier(solver='sgd', alpha=0.01, learning_rate_init=0.001,"
    " batch_size=16, hidden_layer_sizes=(12,8,2), random_state=1, max_iter=200)\n"
    "wine_quality_classifier.fit(X_wine_train, y_wine_train)\n",
    "my_wine_NN_1 = NN()\nnum_epochs= 150\nlambda_reg= 0.01\nlearning_rate= 0.001\n"
    "batch_size= 32\n",
    "my_wine_NN_1.add_layer('Hidden', 11, 16)\nmy_wine_NN_1.add_layer('Hidden', 16, 12)\n"
    "my_wine_NN_1.add_layer('Hidden', 12, 8)\nmy_wine_NN_1.add_layer('Output', 8, 2)\n"
    "my_wine_NN_1.add_layer('Loss', 0, 0)\n",
    "loss_wine_li_1= my_wine_NN_1.train(X_wine_train, y_wine_train, num_epochs, batch_size, "
    "learning_rate, lambda_reg)\nplot_loss(loss_wine_li_1)\n",
    "print(my_wine_NN_1.compute_accuracy(X_wine_test, y_wine_test))\n",
    '''from mpl_toolkits.mplot3d import Axes3D
from matplotlib.colors import LogNorm
import matplotlib.colors
from matplotlib import animation, rc
from IPython.display import HTML
import matplotlib.pyplot as plt
import autograd.numpy as np
from autograd import grad
from autograd import elementwise_grad as egrad
from scipy.optimize import minimize
from collections import defaultdict
from itertools import zip_longest
from functools import partial
import numpy

def bowl():
    \'\'\'
    TODO
    \'\'\'

    def f_bowl(x, y):
        out = x**2 + y**2# CODE HERE

        return out

    def opt_bowl():
        return np.array([0., 0.])

    return f_bowl, opt_bowl

def mult():
    def f_mult(x, y):

        out = np.sin((x ** 2 + y ** 2) ** 0.5) # CODE HERE

        return out

    def opt_mult():
        return np.array([0., 0.])

    return f_mult, opt_mult

def monkey():
    def f_monkey(x, y):
        out = x**3 + 3*x*y**2 # CODE HERE

        return out

    def opt_monkey():
        return np.array([0., 0.])

    return f_monkey, opt_monkey

def matyas():
    def f_matyas(x, y):
        out = 0.26 * (x ** 2 + y ** 2) - 0.48 * x * y # CODE HERE

        return out

    def opt_matyas():
        return np.array([0., 0.])

    return f_matyas, opt_matyas

def plot_func(f):
    func, opt = f()

    # Set grid parameters
    xmin = -4.5
    xmax = 4.5
    ymin = -4.5
    ymax = 4.5
    step = 0.2

    x, y = np.meshgrid(np.arange(xmin, xmax + step, step), np.arange(ymin, ymax + step, step))
    z = func(x, y)
    cp = opt()
    optima = cp.reshape(-1, 1)

    fig = plt.figure(figsize=(12, 6), dpi=100)
    ax = fig.add_subplot(1, 2, 1, projection='3d')
    ax.plot_surface(x, y, z, rstride=5, cstride=5, alpha=0.5, cmap=plt.cm.plasma)
    cset = ax.contourf(x, y, z, 25, zdir='z', offset=-1, alpha=0.6, cmap=plt.cm.coolwarm)
    out1 = func(*optima)

    ax.plot(*optima, out1, 'r*', markersize=10)

    ax.set_xlabel('$x$')
    ax.set_ylabel('$y$')
    ax.set_zlabel('$z$')
''',
    "plot_func(monkey)\nplot_func(mult)\nplot_func(matyas)\nplot_func(bowl)\n",
    '''def gradient_descent(x, y, dx, dy, hparams):
    \'\'\'
    hparams must contain alpha
    \'\'\'

    alpha = hparams['alpha']

    #CODE HERE
    x = x - alpha*dx
    y = y - alpha*dy
    return x, y
''',
    '''from random import gauss

def stochastic_gradient_descent(x, y, dx, dy, hparams):
    alpha = hparams['alpha']

    #CODE HERE
    dx = gauss(dx, 1)
    dy = gauss(dy, 1)
    x = x - alpha * dx
    y = y - alpha * dy
    return x, y
''',
    '''def easom():
    def f_easom(x, y):
        #CODE HERE
        out = -np.cos(x)*np.cos(y)*np.exp(-((x-np.pi)**2 + (y-np.pi)**2))
        return out

    def opt_easom():

        return np.array([np.pi, np.pi])

    return f_easom, opt_easom

plot_func(easom)
''',
    '''def momentum(x, y, dx, dy, v_x, v_y, hparams):
    alpha = hparams['alpha']
    gamma = hparams['gamma']

    #CODE HERE
    v_x = gamma*v_x + alpha*gauss(dx, 1)
    v_y = gamma*v_y + alpha*gauss(dy, 1)
    x = x - v_x
    y = y - v_y
    return x, y, v_x, v_y
''',
    '''def adagrad(x, y, dx, dy, v_x, v_y, hparams):
    eps = hparams['eps']
    alpha = hparams['alpha']

    #CODE HERE
    v_x = v_x + (dx)**2
    v_y = v_y + (dy)**2
    x = x - alpha*dx/((v_x + eps)**0.5)
    y = y - alpha*dy/((v_y + eps)**0.5)
    return x, y, v_x, v_y
''',
    '''def adam(x, y, dx, dy, f_x, f_y, s_x, s_y, i, hparams):
    eps = hparams['eps']
    alpha = hparams['alpha']
    beta_1 = hparams['beta_1']
    beta_2 = hparams['beta_2']

    #CODE HERE
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
''',
    '''from random import seed
import math

seed(1)

class Optimizer:

    def __init__(self, x_init, y_init, method, func, hparams):
        f, optima = func()

        self.x = x_init
        self.y = y_init
        self.hparams = hparams
        self.first = True
        self.iter = 0
        self.x_list = []
        self.y_list = []

        cp = optima()
        self.cp_x = np.asscalar(np.array([0]))
        self.cp_y = np.asscalar(np.array([1]))

        self.method = method
        self.f = f
        self.f_gradx = grad(f, 0)
        self.f_grady = grad(f, 1)
        self.count = 0

    def distance(self, x, y):
        return math.sqrt((x-self.cp_x)**2 + (y-self.cp_y)**2)

    def cgrad(self, x, y):
        return self.f_gradx(x, y), self.f_grady(x, y)

    def fit(self, epochs):
        self.x_list = []
        self.y_list = []
        self.z_list = []
        if self.method == 'grad':
            for i in range(epochs):
                self.x_list.append(self.x)
                self.y_list.append(self.y)
                self.z_list.append(self.f(self.x, self.y))
                dx, dy = self.cgrad(self.x, self.y)
                print('dx:', dx, 'dy:', dy)
                self.x, self.y = gradient_descent(self.x, self.y, dx, dy, self.hparams)
''',
    '''def animate(i):
    \'\'\'Plotting helper\'\'\'
    i = int(i*(epochs/frames))
    line1.set_data(optim.x_list[:i+1], optim.y_list[:i+1])
    return line1, line2, title
''',
    "frames = 20\nepochs = 200\n\nfunc = bowl\ninit_x, init_y = 6., 6.\n\nhparams = {'alpha': "
    "0.1, 'eps': 1e-7, 'beta_1': 0.8, 'beta_2': 0.99}\noptim = Optimizer(init_x, init_y, 'adam',"
    " func, hparams)\noptim.fit(epochs)\n\nplot_function(epochs, frames, func)\n",
]
