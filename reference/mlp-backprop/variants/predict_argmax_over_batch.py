"""Known variant: argmax over the batch."""

import numpy as np


class NN:
    def predict(self, X):
        for layer in self.hidden_layers:
            X = layer.forward_pass(X)
        z = self.output_layer.forward_pass(X)
        return np.argmax(z, axis=0)
