"""Known variant: back_propagation called without the network's activation derivative."""

# The seed's API: activation objects as default arguments; its given lines kept verbatim.
# ruff: noqa: B008, E501


class NeuralNetwork:
    def backward(self, Y):
        self.grads = {}
        grads = back_propagation(Y, self.parameters, self.caches)
        self.grads = grads
