"""One log line per request the local endpoint runs, so a user can find what happened to a document in
`.precis/local/logs/endpoint.log`: its document and inference id, words in and out, time and outcome.

Text from the request (a failure reason holds the model's message) is escaped, so a line stays one line
and carries no terminal control sequences.
"""

from __future__ import annotations

import json

MAX_REASON_CHARS = 300


def request_line(inference_id: str, output: bytes, reason: str | None, seconds: float) -> str:
    """`request <inference id> document=<id> words=<in>→<out> time=<s> outcome=<COMPLETED|FAILED>…`."""
    document = inference_id.rsplit("-", 1)[0]
    parts = [f"request {_escaped(inference_id)}", f"document={_escaped(document)}"]
    words = _words(output) if reason is None else None
    if words:
        parts.append(f"words={words[0]}→{words[1]}")
    parts.append(f"time={seconds:.2f}s")
    if reason is None:
        parts.append("outcome=COMPLETED")
    else:
        shown = reason if len(reason) <= MAX_REASON_CHARS else reason[: MAX_REASON_CHARS - 1] + "…"
        parts.append(f"outcome=FAILED reason={json.dumps(shown)}")
    return " ".join(parts)


def _words(output: bytes) -> tuple[int, int] | None:
    """Words in and out of the inference script's output (summed over a list), if it has them."""
    try:
        payload = json.loads(output)
    except (ValueError, UnicodeDecodeError):
        return None
    items = payload if isinstance(payload, list) else [payload]
    try:
        return sum(int(item["words_in"]) for item in items), sum(int(item["words_out"]) for item in items)
    except (KeyError, TypeError, ValueError):
        return None


def _escaped(text: str) -> str:
    return json.dumps(text)[1:-1]
