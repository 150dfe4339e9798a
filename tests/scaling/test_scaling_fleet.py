"""The async endpoint's queue and instances on a hand-driven clock."""

from __future__ import annotations

from precis.scaling import AsyncEndpoint, EndpointCapacity, InstanceState, Outcome, QueuedRequest

CAPACITY = EndpointCapacity(max_concurrent_invocations=2, instance_start_delay=30, request_ttl=600)


def request(number: int, at: float = 0.0, ttl: float = 600) -> QueuedRequest:
    return QueuedRequest(f"r{number}", at, ttl, 900)


def test_requests_wait_until_an_instance_is_in_service():
    endpoint = AsyncEndpoint(CAPACITY)
    endpoint.submit(request(1))
    endpoint.scale_to(1, now=0)

    assert endpoint.advance(29).started == []
    progress = endpoint.advance(30)

    assert [i.inference_id for i in progress.started] == ["r1"]
    assert [i.state for i in progress.ready] == [InstanceState.IN_SERVICE]


def test_each_instance_runs_at_most_max_concurrent_invocations_in_fifo_order():
    endpoint = AsyncEndpoint(CAPACITY, initial_instances=2)
    for number in range(6):
        endpoint.submit(request(number))

    started = endpoint.advance(0).started

    assert [i.inference_id for i in started] == ["r0", "r1", "r2", "r3"]
    assert all(instance.in_flight == 2 for instance in endpoint.instances)
    assert (endpoint.queued, endpoint.in_flight, endpoint.backlog) == (2, 4, 6)


def test_finished_invocations_free_their_slot_for_the_next_request():
    endpoint = AsyncEndpoint(CAPACITY, initial_instances=1)
    for number in range(3):
        endpoint.submit(request(number))
    first, _ = endpoint.advance(0).started

    endpoint.finish(first, 5, ok=True)

    assert [i.inference_id for i in endpoint.advance(5).started] == ["r2"]
    assert first.outcome is Outcome.COMPLETED


def test_requests_queued_past_their_ttl_expire():
    endpoint = AsyncEndpoint(CAPACITY)
    endpoint.submit(request(1, at=0, ttl=60))
    endpoint.submit(request(2, at=10, ttl=600))

    progress = endpoint.advance(60)

    assert [i.inference_id for i in progress.expired] == ["r1"]
    assert progress.expired[0].outcome is Outcome.EXPIRED
    assert endpoint.queued == 1
    assert endpoint.close_minute(60).age_of_oldest_request == 50


def test_scale_in_removes_starting_then_idle_instances_and_drains_busy_ones():
    endpoint = AsyncEndpoint(CAPACITY, initial_instances=2)
    endpoint.submit(request(1))
    [busy] = endpoint.advance(0).started
    endpoint.scale_to(3, now=0)

    endpoint.scale_to(0, now=10)

    states = sorted(instance.state for instance in endpoint.instances)
    assert states == [InstanceState.DRAINING, InstanceState.TERMINATED, InstanceState.TERMINATED]
    endpoint.finish(busy, 20, ok=True)
    assert all(instance.state is InstanceState.TERMINATED for instance in endpoint.instances)
    assert endpoint.instance_seconds(100) == 20 + 10 + 10


def test_minute_metrics_follow_sagemaker_definitions():
    endpoint = AsyncEndpoint(CAPACITY)
    for number in range(3):
        endpoint.submit(request(number))

    at_zero = endpoint.close_minute(60)

    assert (at_zero.backlog, at_zero.instances, at_zero.has_backlog_without_capacity) == (3, 0, 1)
    assert at_zero.backlog_per_instance == 3
    endpoint.scale_to(1, now=60)
    endpoint.advance(90)
    with_one = endpoint.close_minute(120)
    assert (with_one.backlog, with_one.instances, with_one.has_backlog_without_capacity) == (3, 1, 0)
