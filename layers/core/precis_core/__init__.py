"""The shared runtime package of the precis Lambda functions (shipped as a layer)."""
