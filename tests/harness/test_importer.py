"""Placeholders for modules the sandbox lacks: unused they cost nothing, used they say why."""

from __future__ import annotations

import sys

import pytest

from grader.harness.importer import ModuleUnavailableError, PlaceholderFinder


@pytest.fixture()
def placeholders():
    finder = PlaceholderFinder(own_packages=set())
    sys.meta_path.append(finder)
    before = set(sys.modules)
    try:
        yield finder
    finally:
        sys.meta_path.remove(finder)
        for name in set(sys.modules) - before:
            del sys.modules[name]


SOURCE = '''
import torch_not_installed_here as torch
import torch_not_installed_here.nn as nn
from torch_not_installed_here.utils.data import DataLoader


class Network(nn.Module):
    """A notebook's model, defined next to the graded functions."""

    def __init__(self, sizes):
        super().__init__()
        self.sizes = sizes

    def forward(self, x):
        return x


class Tagged(nn.Module, metaclass=type, extra=1):
    pass


def graded(x):
    return 2 * x


def uses_torch(x):
    return torch.tensor(x)
'''


def test_a_class_derived_from_a_missing_module_does_not_sink_the_module(placeholders):
    ns: dict = {}
    exec(compile(SOURCE, "notebook", "exec"), ns)
    assert ns["graded"](3) == 6
    assert ns["Network"].forward(None, 5) == 5  # methods are there
    assert "torch_not_installed_here" in placeholders.used
    with pytest.raises(ModuleUnavailableError, match=r"'torch_not_installed_here.nn.Module' is "
                       r"not available: module 'torch_not_installed_here' is not installed"):
        ns["Network"]([784, 30, 10])
    with pytest.raises(ModuleUnavailableError, match="torch_not_installed_here.nn.Module"):
        ns["Tagged"]()
    with pytest.raises(ModuleUnavailableError, match="'torch_not_installed_here.tensor' is not "
                                                     "available"):
        ns["uses_torch"]([1.0])
    with pytest.raises(ModuleUnavailableError, match="DataLoader"):
        ns["DataLoader"]([])
