"""Known variant: one hidden layer whatever the depth."""

# The seed's API: activation objects as default arguments; its given lines kept verbatim.
# ruff: noqa: B008, E501


class NeuralNetwork:
    def initialize(self):
        layer_dims = [self.n_x] + [self.n_h] * (self.depth-1) + [self.n_y]
        self.parameters = initialize_dnn_parameters([self.n_x, self.n_h, self.n_y])
