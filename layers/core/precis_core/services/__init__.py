"""The services: what the functions (and the `precis` CLI) do, on adapters passed in.

- `submit`: an upload → a QUEUED record and an InvokeEndpointAsync call.
- `record`: a notification → COMPLETED or FAILED.
- `reconcile`: lost notifications settled from S3, unsent requests sent again, stale ones expired.
- `dispatch`: the endpoint calls for QUEUED records, one per document version (claims, backoff).
- `analytics`: the table's stream batches → the newly COMPLETED records in the analytics copy.
"""
