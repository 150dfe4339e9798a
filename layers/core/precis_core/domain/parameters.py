"""Summary settings chosen at upload (`precis submit --sentences N --max-words N`): S3 user metadata on
the object, checked here against the endpoint's limits, kept on the record and sent to the endpoint as
InvokeEndpointAsync's CustomAttributes (forwarded verbatim to the container, which reads them as
request parameters; precis_summarizer.attributes). A JSON article may also carry `parameters` itself;
the upload's settings win.
"""

from __future__ import annotations

from collections.abc import Mapping

from precis_core.domain.limits import PARAMETER_LIMITS
from precis_core.domain.models import InvalidArticle

# S3 user metadata names (x-amz-meta-…) and the request parameter each sets.
METADATA_PARAMETERS = {"sentences": "sentences", "max-words": "target_words"}


def from_metadata(metadata: Mapping[str, str]) -> dict[str, int]:
    """The settings in an object's user metadata; InvalidArticle naming one outside the endpoint's limits."""
    found: dict[str, int] = {}
    lowered = {key.lower(): value for key, value in metadata.items()}
    for key, parameter in METADATA_PARAMETERS.items():
        if key not in lowered:
            continue
        text = lowered[key].strip()
        highest = PARAMETER_LIMITS[parameter]
        if not text.isdigit() or not 1 <= int(text) <= highest:
            raise InvalidArticle(f"x-amz-meta-{key} {text[:20]!r} must be a whole number from 1 to {highest}")
        found[parameter] = int(text)
    return found


def custom_attributes(inference_id: str, parameters: Mapping[str, int] | None) -> str:
    """`inference_id=<id>;sentences=3;target_words=120`: visible US-ASCII, as CustomAttributes must be
    (at most 1,024). The id names the request in the model server's log line (it is `<hex>-<n>`)."""
    pairs = [f"inference_id={inference_id}"]
    pairs += [f"{name}={int(value)}" for name, value in sorted((parameters or {}).items())]
    return ";".join(pairs)
