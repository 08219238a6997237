"""Known variant: the notebook's learning rate hard-coded."""

# The seed's API: activation objects as default arguments; its given lines kept verbatim.
# ruff: noqa: B008, E501


class GradientDescent:
    def step(self):
        gradient_descent_step(self.network.parameters, self.network.grads, 0.1)
