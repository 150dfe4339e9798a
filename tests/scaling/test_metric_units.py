"""The local endpoint publishes each async metric in the unit SageMaker documents for it ("Alarms and logs
for tracking metrics from asynchronous endpoints"), so the dashboard's labels hold for both."""

from __future__ import annotations

from precis.scaling.metrics import MinuteMetrics


def test_each_duration_is_published_in_sagemaker_s_unit():
    # Given a minute in which two requests finished: 12 s of processing, 3 s waiting, in all
    minute = MinuteMetrics(
        60.0, 0, 1, 0.0, processed=2, total_processing_time=12.0, total_time_in_backlog=3.0
    )
    points = {name: (value, unit) for name, value, unit in minute.variant_datapoints()}
    # Then each is a per-request average in the documented unit
    assert points["TotalProcessingTime"] == (6_000.0, "Milliseconds")
    assert points["ModelLatency"] == (6_000_000.0, "Microseconds")
    assert points["TimeInBacklog"] == (1_500_000.0, "Microseconds")
