"""SageMaker Hugging Face inference script: the DLC's toolkit calls these four functions.

model_fn runs once per instance; input_fn, predict_fn and output_fn run per request. Each takes the
toolkit's optional `context` (newer toolkits pass it when the signature has room for it). Bad requests
raise ValueError with a message meant for the caller; the async endpoint reports it as the failure.
A request's time starts in input_fn and runs out after the model server's timeout: the engines stop
between steps (precis_summarizer.deadline).
"""

from __future__ import annotations

import json
from typing import Any

from precis_summarizer.attributes import header_of, with_attributes
from precis_summarizer.deadline import Deadline
from precis_summarizer.engine import Summarizer, load_summarizer
from precis_summarizer.request import SummaryRequest, check_accept, parse_request


def model_fn(model_dir: str, context: Any = None) -> Summarizer:
    return load_summarizer(model_dir)


def input_fn(input_data: str | bytes, content_type: str, context: Any = None) -> SummaryRequest:
    request = parse_request(input_data, content_type, Deadline.from_environment())
    # Summary settings chosen at upload arrive as CustomAttributes (precis_summarizer.attributes).
    return with_attributes(request, header_of(context))


def predict_fn(data: SummaryRequest, model: Summarizer, context: Any = None) -> dict | list[dict]:
    summaries = [
        model.summarize(document, data.parameters, data.deadline).to_dict() for document in data.documents
    ]
    if data.metadata:
        # What the article says about itself (title, published, authors...), for the record.
        summaries = [{**summary, "document": data.metadata} for summary in summaries]
    return summaries if data.batch else summaries[0]


def output_fn(prediction: dict | list[dict], accept: str | None, context: Any = None) -> str:
    check_accept(accept)
    return json.dumps(prediction, ensure_ascii=False)
