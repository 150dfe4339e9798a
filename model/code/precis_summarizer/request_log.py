"""One line per request in the model server's log, which SageMaker sends to CloudWatch
(`/aws/sagemaker/Endpoints/<endpoint>`), so a user can find what happened to a document there:

    precis request inference_id=<id> documents=1 words=1840→96 engine=extractive time=0.42s outcome=COMPLETED
    precis request inference_id=<id> time=0.01s outcome=FAILED reason="the file is empty (0 bytes)"

The inference id is the one the submit function chose (`<document id>-<attempt>`); it reaches the
container in the request's CustomAttributes (`inference_id=…`), as SageMaker forwards them verbatim. A
line is printed on standard output, which the model server captures into its log. Text from the request
(a reason quotes the article) is escaped, so a line stays one line and holds no control sequences.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from typing import Any

PREFIX = "precis request"
MAX_REASON_CHARS = 300
_INFERENCE_ID = re.compile(r"[0-9A-Za-z._:-]{1,128}")


def inference_id_of(header: str | None) -> str | None:
    """The `inference_id` pair of a CustomAttributes header, if it is one an inference id can be."""
    for pair in (header or "").split(";"):
        name, equals, value = (part.strip() for part in pair.partition("="))
        if equals and name == "inference_id" and _INFERENCE_ID.fullmatch(value):
            return value
    return None


def request_line(
    inference_id: str | None,
    seconds: float,
    summaries: Sequence[dict[str, Any]] = (),
    error: BaseException | None = None,
) -> str:
    parts = [PREFIX, f"inference_id={inference_id or '-'}"]
    if error is None:
        parts.append(f"documents={len(summaries)}")
        parts.append(
            f"words={sum(s['words_in'] for s in summaries)}→{sum(s['words_out'] for s in summaries)}"
        )
        engines = sorted({str(s.get("engine")) for s in summaries})
        parts.append(f"engine={json.dumps(','.join(engines))[1:-1]}")
    parts.append(f"time={seconds:.2f}s")
    if error is None:
        parts.append("outcome=COMPLETED")
    else:
        reason = str(error) or type(error).__name__
        shown = reason if len(reason) <= MAX_REASON_CHARS else reason[: MAX_REASON_CHARS - 1] + "…"
        parts.append(f"outcome=FAILED reason={json.dumps(shown)}")
    return " ".join(parts)


def log_request(line: str) -> None:
    print(line, file=sys.stdout, flush=True)
