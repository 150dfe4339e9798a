"""The local endpoint's queue and autoscaling on a compressed clock (600 simulated seconds per second)."""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from precis.scaling import ScalingPolicy, TargetTracking


def invoke(client, location: str, inference_id: str, endpoint_name: str = "precis-test", **extra) -> dict:
    return client.invoke_endpoint_async(
        EndpointName=endpoint_name,
        InputLocation=location,
        ContentType="application/json",
        InferenceId=inference_id,
        **extra,
    )


def scaled_in_to_zero(endpoint, wait_for) -> list[dict]:
    """Waits until the idle endpoint's scale-in has taken it to zero instances; its activities so far."""
    assert wait_for(lambda: endpoint.runtime.status()["instances"] == 0, within=60)
    activities = endpoint.runtime.status()["scaling_activities"]
    assert activities[-1]["to"] == 0 and activities[-1]["cause"] == "target tracking scale-in"
    return activities


def test_a_new_endpoint_serves_at_once_with_its_initial_instance_then_scales_in_to_zero(
    topics, start_endpoint, put_input, runtime_client, notifications, wait_for
):
    # Given a new endpoint whose variant has InitialInstanceCount 1, with the template's policies
    endpoint = start_endpoint(initial_instances=1)
    # Then it is created with that instance in service
    assert endpoint.runtime.status()["in_service"] == 1

    # When a request arrives at once
    invoke(runtime_client(endpoint), put_input("inputs/first.json", {"text": "first"}), "first-1")

    # Then that instance serves it, with no scaling activity
    [message] = notifications(topics.success_queue, 1, within=30)
    assert message["inferenceId"] == "first-1"
    assert endpoint.runtime.status()["scaling_activities"] == []
    # And the endpoint reaches zero only through the target tracking scale-in, once idle
    assert [a["to"] for a in scaled_in_to_zero(endpoint, wait_for)] == [0]


def test_burst_scales_from_zero_to_several_instances_and_back_to_zero(
    aws, topics, start_endpoint, put_input, runtime_client, notifications, wait_for
):
    # Given an endpoint with the template's policies (max 3) that has scaled in to zero while idle
    started_at = datetime.now(UTC) - timedelta(minutes=1)
    endpoint = start_endpoint(endpoint_name="precis-burst")
    before = len(scaled_in_to_zero(endpoint, wait_for))
    client = runtime_client(endpoint)
    location = put_input("inputs/burst.json", {"text": "burst", "sleep": 0.2})
    seen: list[int] = []
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.wait(0.02):
            seen.append(endpoint.runtime.status()["in_service"])

    sampler = threading.Thread(target=sample)
    sampler.start()

    # When 40 requests arrive at once
    try:
        for number in range(40):
            invoke(client, location, f"burst-{number}", endpoint_name="precis-burst")
        done = wait_for(lambda: endpoint.runtime.status()["processed"] == 40, within=90)
        idle = wait_for(lambda: endpoint.runtime.status()["instances"] == 0, within=90)
    finally:
        sampling.set()
        sampler.join()

    # Then more than one instance serves them, and the endpoint scales back to zero once idle
    assert done and idle, endpoint.runtime.status()
    assert max(seen) > 1
    assert len(notifications(topics.success_queue, 40)) == 40
    causes = [activity["cause"] for activity in endpoint.runtime.status()["scaling_activities"][before:]]
    assert causes[0] == "step scaling"
    assert "target tracking scale-out" in causes
    assert causes[-1] == "target tracking scale-in"

    # And CloudWatch holds the async metrics that drove it
    cloudwatch = aws.client("cloudwatch")
    backlog = cloudwatch.get_metric_statistics(
        Namespace="AWS/SageMaker",
        MetricName="ApproximateBacklogSize",
        Dimensions=[{"Name": "EndpointName", "Value": "precis-burst"}],
        StartTime=started_at,
        EndTime=datetime.now(UTC) + timedelta(minutes=1),
        Period=60,
        Statistics=["Maximum"],
    )
    assert max(point["Maximum"] for point in backlog["Datapoints"]) > 0
    processed = cloudwatch.get_metric_statistics(
        Namespace="AWS/SageMaker",
        MetricName="InvocationsProcesssed",
        Dimensions=[
            {"Name": "EndpointName", "Value": "precis-burst"},
            {"Name": "VariantName", "Value": "AllTraffic"},
        ],
        StartTime=started_at,
        EndTime=datetime.now(UTC) + timedelta(minutes=1),
        Period=60,
        Statistics=["Sum"],
    )
    assert sum(point["Sum"] for point in processed["Datapoints"]) == 40


def test_single_request_after_idle_is_served_through_the_step_policy(
    topics, start_endpoint, put_input, runtime_client, notifications, wait_for
):
    # Given an endpoint that has scaled in to zero instances while idle
    endpoint = start_endpoint()
    before = len(scaled_in_to_zero(endpoint, wait_for))
    location = put_input("inputs/lonely.json", {"text": "alone"})

    # When one request arrives
    invoke(runtime_client(endpoint), location, "lonely-1")

    # Then HasBacklogWithoutCapacity wakes one instance and the request completes
    [message] = notifications(topics.success_queue, 1, within=60)
    assert message["inferenceId"] == "lonely-1"
    wake = endpoint.runtime.status()["scaling_activities"][before]
    assert wake["cause"] == "step scaling"
    assert (wake["from"], wake["to"]) == (0, 1)


def test_target_tracking_alone_never_serves_a_single_request_which_expires_at_its_ttl(
    topics, start_endpoint, put_input, runtime_client, notifications, wait_for
):
    # Given target tracking alone on backlog per instance, with nothing to wake from zero, scaled in to zero
    alone = ScalingPolicy(
        0, 3, TargetTracking(5, scale_in_cooldown=600, scale_out_cooldown=300), name="target-tracking"
    )
    endpoint = start_endpoint(alone, time_scale=3600)
    scaled_in = scaled_in_to_zero(endpoint, wait_for)
    location = put_input("inputs/forgotten.json", {"text": "forgotten"})

    # When one request arrives with a one-hour TTL
    invoke(runtime_client(endpoint), location, "forgotten-1", RequestTTLSeconds=3600)

    # Then nothing scales out and the request expires through the error topic
    [message] = notifications(topics.error_queue, 1, within=60)
    assert message["inferenceId"] == "forgotten-1"
    assert "RequestTTLSeconds" in message["failureReason"]
    status = endpoint.runtime.status()
    assert status["scaling_activities"] == scaled_in
    assert status["expired"] == 1


def test_an_invocation_slower_than_its_timeout_fails(
    topics, start_endpoint, put_input, runtime_client, notifications
):
    endpoint = start_endpoint(ScalingPolicy.always_on(1), time_scale=60)
    location = put_input("inputs/slow.json", {"text": "slow", "sleep": 1.0})

    invoke(runtime_client(endpoint), location, "slow-1", InvocationTimeoutSeconds=5)

    [message] = notifications(topics.error_queue, 1, within=60)
    assert message["inferenceId"] == "slow-1"
    assert "InvocationTimeoutSeconds" in message["failureReason"]
    assert notifications(topics.success_queue, 1, within=3) == []


def test_no_instance_runs_more_than_max_concurrent_invocations(
    aws, topics, start_endpoint, put_input, runtime_client, notifications
):
    # Given two always-on instances with two slots each
    endpoint = start_endpoint(ScalingPolicy.always_on(2), concurrency=2, time_scale=60)
    location = put_input("inputs/busy.json", {"text": "busy", "sleep": 0.2})
    client = runtime_client(endpoint)

    # When twelve requests arrive at once
    for number in range(12):
        invoke(client, location, f"busy-{number}")

    # Then each instance ran at most two at a time, and both instances worked
    messages = notifications(topics.success_queue, 12, within=60)
    assert len(messages) == 12
    s3 = aws.client("s3")
    running = defaultdict(list)
    for message in messages:
        bucket, key = message["responseParameters"]["outputLocation"].removeprefix("s3://").split("/", 1)
        output = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        running[output["instance"]].append(output["running"])
    assert len(running) == 2
    assert max(max(values) for values in running.values()) == 2


def test_closing_the_endpoint_leaves_no_thread_behind(start_endpoint, put_input, runtime_client, wait_for):
    before = set(threading.enumerate())
    endpoint = start_endpoint(ScalingPolicy.always_on(2))
    invoke(runtime_client(endpoint), put_input("inputs/last.json", {"text": "last"}), "last-1")
    assert wait_for(lambda: endpoint.runtime.status()["processed"] == 1)

    endpoint.close()

    # A leaked thread stays; moto's in-process server may still be finishing the response to the
    # endpoint's last S3 or SNS call for a moment on a busy machine, and that thread then ends.
    assert wait_for(lambda: set(threading.enumerate()) - before == set(), within=5.0), [
        thread.name for thread in set(threading.enumerate()) - before
    ]
