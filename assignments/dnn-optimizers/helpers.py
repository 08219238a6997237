"""Sandbox helpers of dnn-optimizers: objects and small functions the drivers use inside a
check's child.

They run in the student's process, next to the student's code, so nothing they return is
trusted more than the student's own outputs: ``Tanh`` is an activation of the grader's own
(passed to ``layer``, ``forward_propagation``, ``back_propagation`` and ``NeuralNetwork`` so that
a layer's arithmetic is checked apart from ReLU); the functions only save round trips. Every
verdict compares what comes back with values computed outside the sandbox.
"""

import numpy as np


class Tanh:
    """The activation tanh, with the interface of the homework's activations (forward,
    derivative, __call__)."""

    def __init__(self):
        pass

    def forward(self, x):
        return np.tanh(x)

    def derivative(self, x):
        return 1 - np.tanh(x) ** 2

    def __call__(self, x):
        return self.forward(x)


def set_attrs(obj, attrs):
    """``setattr(obj, name, value)`` for every item of ``attrs`` (the state under test)."""
    for name, value in attrs.items():
        setattr(obj, name, value)


def get_attrs(obj, names):
    """``{name: getattr(obj, name)}`` (None where the attribute is missing)."""
    return {name: getattr(obj, name, None) for name in names}


def step_with(optimizer, network, grads, names):
    """``network.grads = grads; optimizer.step()``; returns ``network.parameters`` and the
    optimizer's attributes ``names`` after the step (one round trip per step)."""
    network.grads = grads
    optimizer.step()
    return {"parameters": getattr(network, "parameters", None),
            "state": get_attrs(optimizer, names)}
