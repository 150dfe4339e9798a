"""SageMaker Hugging Face inference script: the DLC's toolkit calls these four functions.

model_fn runs once per instance; input_fn, predict_fn and output_fn run per request. Each takes the
toolkit's optional `context` (newer toolkits pass it when the signature has room for it). Bad requests
raise ValueError with a message meant for the caller; the async endpoint reports it as the failure.
A request's time starts in input_fn and runs out after the model server's timeout: the engines stop
between steps (precis_summarizer.deadline).
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from typing import Any

from precis_summarizer.attributes import header_of, with_attributes
from precis_summarizer.deadline import Deadline
from precis_summarizer.engine import Summarizer, load_summarizer
from precis_summarizer.request import SummaryRequest, check_accept, parse_request
from precis_summarizer.request_log import inference_id_of, log_request, request_line


def model_fn(model_dir: str, context: Any = None) -> Summarizer:
    return load_summarizer(model_dir)


def input_fn(input_data: str | bytes, content_type: str, context: Any = None) -> SummaryRequest:
    header = header_of(context)
    started = time.monotonic()
    try:
        request = parse_request(input_data, content_type, Deadline.from_environment())
        # Summary settings chosen at upload arrive as CustomAttributes (precis_summarizer.attributes).
        request = with_attributes(request, header)
    except Exception as error:  # the model server reports it to the caller; the log line says which request
        log_request(request_line(inference_id_of(header), time.monotonic() - started, error=error))
        raise
    return replace(request, inference_id=inference_id_of(header))


def predict_fn(data: SummaryRequest, model: Summarizer, context: Any = None) -> dict | list[dict]:
    started = time.monotonic()
    try:
        summaries = [
            model.summarize(document, data.parameters, data.deadline).to_dict() for document in data.documents
        ]
    except Exception as error:
        log_request(request_line(data.inference_id, time.monotonic() - started, error=error))
        raise
    log_request(request_line(data.inference_id, time.monotonic() - started, summaries))
    if data.metadata:
        # What the article says about itself (title, published, authors...), for the record.
        summaries = [{**summary, "document": data.metadata} for summary in summaries]
    return summaries if data.batch else summaries[0]


def output_fn(prediction: dict | list[dict], accept: str | None, context: Any = None) -> str:
    check_accept(accept)
    return json.dumps(prediction, ensure_ascii=False)
