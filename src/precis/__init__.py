"""precis: the CLI, the offline local stack and the scaling simulator (never shipped to Lambda)."""

__version__ = "0.1.0"
