"""The adapters: the code that talks to AWS, each on an injected boto3 client.

- `summary_store` (DynamoDB: conditional state changes, the index queries), with `record_queries`
  (the indexes, their Query requests and pages) and `dynamodb_items` (attribute values and update
  expressions).
- `articles` (S3 uploads, inspected as the endpoint will read them), `inference_outputs` (the
  endpoint's output and failure objects), `analytics_copy` (the analytics copy's objects); `s3` says
  which S3 errors mean "not there".
- `summarizer_endpoint` (SageMaker runtime: InvokeEndpointAsync).
- `clients` builds the real clients once per container; `tracing` is X-Ray, only when PRECIS_TRACING=true.
"""
