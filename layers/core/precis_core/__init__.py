"""The shared runtime package of the precis Lambda functions (shipped as the layer `layers/core`).

Three layers, each importing only the ones below it:
- `composition`: the one place the services are wired to their adapters (for the functions and the CLI).
- `services`: submit, record, reconcile and dispatch; `adapters`: DynamoDB, S3, SageMaker, the clients
  tracing and the handlers' outcome metrics (services call adapters, adapters never call services).
- `domain`: the records, ids, settings, limits and notifications: plain data and rules, no I/O.
"""
