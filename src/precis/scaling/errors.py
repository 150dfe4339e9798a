"""The error the scaling model raises for a configuration it cannot run."""


class ScalingConfigError(ValueError):
    """The template's scaling resources cannot be turned into a policy the model can run."""
