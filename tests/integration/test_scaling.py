"""The local endpoint scales by the template's policies: out from zero on a burst, back to zero when idle."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

pytestmark = pytest.mark.integration


def _wait_for_idle_endpoint(pipeline) -> None:
    pipeline.wait_until(
        lambda: (status := pipeline.endpoint_status())["instances"] == 0 and status["backlog"] == 0,
        "the endpoint to scale in to zero instances",
    )


def _metric_maximum(pipeline, name: str, since: datetime) -> float:
    datapoints = pipeline.stack.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/SageMaker",
        MetricName=name,
        StartTime=since,
        EndTime=datetime.now(UTC) + timedelta(minutes=1),
        Period=60,
        Statistics=["Maximum"],
        Dimensions=[{"Name": "EndpointName", "Value": pipeline.stack.outputs["EndpointName"]}],
    )["Datapoints"]
    return max((point["Maximum"] for point in datapoints), default=0.0)


def test_a_burst_scales_out_from_zero_to_several_instances_and_back_to_zero(pipeline) -> None:
    # Given an idle endpoint with no instance
    _wait_for_idle_endpoint(pipeline)
    since = datetime.now(UTC) - timedelta(minutes=1)
    collection = pipeline.new_collection("burst")
    articles = [(f"copy{copy}-{name}", text) for copy in range(2) for name, text in pipeline.articles(24)]
    instances_seen: list[int] = []
    stop_sampling = threading.Event()

    def sample_instances() -> None:
        while not stop_sampling.wait(0.1):
            instances_seen.append(pipeline.endpoint_status()["instances"])

    sampler = threading.Thread(target=sample_instances, daemon=True)
    sampler.start()
    try:
        # When a burst of articles arrives at once
        for name, text in articles:
            pipeline.upload(f"incoming/{collection}/{name}", text.encode())
        records = pipeline.wait_for_records(collection, len(articles))
    finally:
        stop_sampling.set()
        sampler.join()

    # Then every article is summarized, by more than one instance at the peak
    assert [r["status"] for r in records] == ["COMPLETED"] * len(articles)
    assert max(instances_seen) > 1
    # And CloudWatch holds the async metrics that drove it: a backlog without capacity at first
    assert _metric_maximum(pipeline, "HasBacklogWithoutCapacity", since) == 1
    assert _metric_maximum(pipeline, "ApproximateBacklogSize", since) > 5
    # And once idle the endpoint scales back to zero
    _wait_for_idle_endpoint(pipeline)
    activities = pipeline.endpoint_status()["scaling_activities"]
    assert activities[-1]["to"] == 0


def test_a_single_request_after_idle_is_served(pipeline) -> None:
    # Given an endpoint scaled in to zero instances
    _wait_for_idle_endpoint(pipeline)
    collection = pipeline.new_collection("single")
    name, text = pipeline.articles(1)[0]

    # When one article arrives
    location = pipeline.upload(f"incoming/{collection}/{name}", text.encode())

    # Then the endpoint wakes an instance for it and the article is summarized
    record = pipeline.record_at(location, collection)
    assert record["status"] == "COMPLETED"
    wakes = [a for a in pipeline.endpoint_status()["scaling_activities"] if a["from"] == 0 and a["to"] >= 1]
    assert wakes
