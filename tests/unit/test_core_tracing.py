"""X-Ray tracing is opt-in: Powertools' Tracer wraps the handler only when PRECIS_TRACING=true."""

from __future__ import annotations

import pytest
from precis_core.adapters import tracing
from precis_core.domain.models import SettingsError


def test_without_tracing_the_handler_runs_unwrapped(monkeypatch):
    monkeypatch.delenv("PRECIS_TRACING", raising=False)
    captured = []
    monkeypatch.setattr(tracing, "_capture", lambda handler: captured.append(handler) or handler)
    handler = tracing.traced(lambda event, context: event["n"] + 1)
    assert handler({"n": 1}, None) == 2
    assert captured == []


def test_with_tracing_the_tracer_captures_the_handler_once(monkeypatch):
    monkeypatch.setenv("PRECIS_TRACING", "true")
    # Outside Lambda there is no X-Ray daemon: Powertools' documented switch makes the Tracer a no-op.
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    calls = []
    real_capture = tracing._capture
    monkeypatch.setattr(tracing, "_capture", lambda handler: calls.append(handler) or real_capture(handler))
    handler = tracing.traced(lambda event, context: event["n"] + 1)
    assert [handler({"n": 1}, None), handler({"n": 2}, None)] == [2, 3]
    assert len(calls) == 1


def test_a_bad_tracing_setting_fails_the_first_invocation_loudly(monkeypatch):
    monkeypatch.setenv("PRECIS_TRACING", "yes")
    handler = tracing.traced(lambda event, context: event["n"] + 1)
    with pytest.raises(SettingsError, match="PRECIS_TRACING='yes' must be true or false"):
        handler({"n": 1}, None)
