"""Known variant: the step goes up the gradient."""

# The seed's API: activation objects as default arguments; its given lines kept verbatim.
# ruff: noqa: B008, E501


def gradient_descent_step(parameters, grads, learning_rate):
    L = len(parameters) // 2
    for l in range(1, L+1):
        W, b = parameters['W' + str(l)], parameters['b' + str(l)]
        dW, db = grads['dW' + str(l)], grads['db' + str(l)]
        W += learning_rate * dW
        b -= learning_rate * db
        parameters['W' + str(l)] = W
        parameters['b' + str(l)] = b
