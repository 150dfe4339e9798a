"""The shared runtime package of the precis Lambda functions (shipped as the layer `layers/core`).

- `models`, `ids`: the domain (Status, SummaryRecord, InferenceResult, named errors) and its identifiers.
- `settings`: the functions' environment, validated once.
- `store` (DynamoDB), `articles` (S3 uploads), `results` (S3 outputs), `summarizer_endpoint` (SageMaker
  runtime): adapters on injected boto3 clients (`s3` says which S3 errors mean "not there");
  `clients` builds the real ones once per container.
- `notifications`: SageMaker's async inference SNS messages.
- `submit`, `record`, `reconcile`: the services; `services` wires them for the functions and the CLI.
- `tracing`: X-Ray only when PRECIS_TRACING=true; `metrics`: the handlers' outcome counters.
"""
