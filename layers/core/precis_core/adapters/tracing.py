"""X-Ray tracing on demand: Powertools' Tracer (and the X-Ray SDK) load only when PRECIS_TRACING=true,
so functions that do not trace do not pay for them at cold start."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from precis_core.domain.function_settings import tracing_enabled

Handler = Callable[[Any, Any], Any]


def traced(handler: Handler) -> Handler:
    """`handler`, captured by a Tracer when tracing is enabled (decided on the first invocation, where a
    bad PRECIS_TRACING fails loudly like any other setting)."""
    chosen: list[Handler] = []

    @functools.wraps(handler)
    def run(event: Any, context: Any) -> Any:
        if not chosen:
            chosen.append(_capture(handler) if tracing_enabled() else handler)
        return chosen[0](event, context)

    return run


def _capture(handler: Handler) -> Handler:
    from aws_lambda_powertools import Tracer

    return Tracer().capture_lambda_handler(handler)
