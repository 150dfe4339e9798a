"""The counters each handler publishes: CloudWatch embedded-metric-format lines on stdout, as Lambda
ships them to CloudWatch, named as the stack's alarms and dashboard read them."""

from __future__ import annotations

import json

import pytest
from precis_core.domain.models import MalformedNotification

ARTICLE = b"Rates rise again.\n\nThe central bank raised its rate by a quarter point on Tuesday."
NAMESPACE = "Precis"  # events/env.json's POWERTOOLS_METRICS_NAMESPACE


def published(stdout: str) -> dict[str, float]:
    """The metrics of every EMF line on stdout (one per invocation), by name, each value summed."""
    metrics: dict[str, float] = {}
    for line in stdout.splitlines():
        if not line.startswith("{"):
            continue
        blob = json.loads(line)
        if "_aws" not in blob:
            continue
        (directive,) = blob["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == NAMESPACE
        for metric in directive["Metrics"]:
            assert metric["Unit"] == "Count"
            value = blob[metric["Name"]]
            metrics[metric["Name"]] = sum(value) if isinstance(value, list) else value
    return metrics


def test_submit_counts_a_queued_article(
    submit_handler, upload, endpoint_calls, lambda_context, capsys, caplog
):
    # Given an article upload
    event = upload("incoming/finance/rates.txt", ARTICLE)
    # When the submit function handles it
    submit_handler(event, lambda_context)
    # Then one ArticlesQueued is published, and nothing else
    assert published(capsys.readouterr().out) == {"ArticlesQueued": 1.0}
    # And the outcome's log line carries the result's fields and the handler's location
    (line,) = [record for record in caplog.records if record.getMessage() == "queued"]
    assert (line.outcome, line.key) == ("queued", "incoming/finance/rates.txt")
    assert (line.funcName, line.filename) == ("lambda_handler", "app.py")


def test_submit_counts_an_s3_test_event_as_ignored(submit_handler, events, lambda_context, capsys):
    event = {"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "b", "RequestId": "r"}
    submit_handler(event, lambda_context)
    assert published(capsys.readouterr().out) == {"IgnoredEvents": 1.0}


def test_record_counts_an_unknown_inference_id(record_handler, events, lambda_context, capsys):
    # Given a success notification for an inference no record has
    record_handler(events("sns-success.json"), lambda_context)
    # Then it is counted as unknown
    assert published(capsys.readouterr().out) == {"UnknownNotifications": 1.0}


def test_record_counts_a_malformed_message_before_raising(record_handler, events, lambda_context, capsys):
    event = events("sns-success.json")
    event["Records"][0]["Sns"]["Message"] = json.dumps({"AlarmName": "not ours"})
    with pytest.raises(MalformedNotification):
        record_handler(event, lambda_context)
    assert published(capsys.readouterr().out) == {"MalformedNotifications": 1.0}


def test_reconcile_publishes_every_outcome_each_run_zeros_included(
    reconcile_handler, events, lambda_context, capsys
):
    # Given nothing queued, when the scheduled run comes
    reconcile_handler(events("schedule.json"), lambda_context)
    # Then every outcome's counter has a point, so the dashboard's lines have no gaps
    assert published(capsys.readouterr().out) == {
        name: 0.0
        for name in (
            "ReconciledCompleted",
            "ReconciledFailed",
            "ReconciledExpired",
            "ReconcileInFlight",
            "ReconcileSettledElsewhere",
            "ReconcileErrors",
            "ReconcileRedispatched",
            "ReconcileUnsent",
            "ReconcileSubmittedUploads",
        )
    }
