"""Request parameters sent as InvokeEndpointAsync's CustomAttributes (`sentences=3;target_words=120`):
how an upload's summary settings reach the container, whatever the article's format.

The Hugging Face toolkit hands input_fn a context whose request processor holds the request's headers;
SageMaker forwards CustomAttributes verbatim as X-Amzn-SageMaker-Custom-Attributes. Pairs naming no
request parameter are left alone (the value is the caller's to use); a parameter's value is checked
by Parameters.parse, against the same limits as a JSON body's.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

from precis_summarizer.request import MalformedRequest, Parameters, SummaryRequest

HEADER = "x-amzn-sagemaker-custom-attributes"


def header_of(context: Any) -> str | None:
    """The custom attributes header of the request `context` describes, if any."""
    try:
        properties = context.request_processor[0].get_request_properties()
    except (AttributeError, IndexError, TypeError):
        return None
    for name, value in dict(properties or {}).items():
        if str(name).lower() == HEADER:
            return value.decode() if isinstance(value, bytes) else str(value)
    return None


def with_attributes(request: SummaryRequest, header: str | None) -> SummaryRequest:
    """`request` with the parameters the header sets (they win over the body's own)."""
    known = set(asdict(Parameters()))
    given: dict[str, Any] = {}
    for pair in (header or "").split(";"):
        name, equals, value = (part.strip() for part in pair.partition("="))
        if not equals or name not in known:
            continue
        if not value.isdigit():
            raise MalformedRequest(f"custom attribute {name} must be a whole number, got {value[:20]!r}")
        given[name] = int(value)
    if not given:
        return request
    current = {name: value for name, value in asdict(request.parameters).items() if value is not None}
    return replace(request, parameters=Parameters.parse({**current, **given}))
