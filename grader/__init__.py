"""Autograder for deep-learning optimization homework (see README.md)."""

__version__ = "0.1.0"
