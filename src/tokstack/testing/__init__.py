"""Test support for integrators: the pytest plugin and the container module."""
