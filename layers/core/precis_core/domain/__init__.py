"""The domain: what a record is and how it moves, with no I/O and no AWS client.

- `models`: Status, SummaryRecord, InferenceResult, the named errors; `ids`: document and inference ids,
  timestamps.
- `function_settings`: each function's environment, validated once.
- `limits`: the bounds of a request (the layer's copy of precis_summarizer's); `json_articles`: the
  checks a JSON article passes before it is sent.
- `notifications`: SageMaker's async inference SNS messages, parsed.
- `about`: key phrases and named things, read leniently and bounded; `analytics_rows`: a COMPLETED
  record as a row of the analytics copy, and the copy's keys and encoding.
"""
