"""The local endpoint's engine room: the scaling model on a scaled clock, with real instances.

A scheduler thread advances precis.scaling's AsyncEndpoint and Autoscaler: once per simulated minute it
closes the metrics, publishes them and applies any scaling activity; between minutes it starts queued
requests on free instance slots and expires the ones past their TTL. Each instance is a thread pool of
MaxConcurrentInvocationsPerInstance workers with its own copy of the inference script and model.
Every accepted request is in the journal (precis.local.sagemaker.journal) until its object and its
notification are written; `start` resumes the open ones a previous process left.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from precis.inference_script import InferenceScript, LoadedModel
from precis.local.clock import ScaledClock
from precis.local.sagemaker.delivery import AsyncRequest, AsyncResults, RequestResult
from precis.local.sagemaker.faults import Faults
from precis.local.sagemaker.journal import RequestJournal, RequestState
from precis.local.sagemaker.journal_writes import JournalWriter
from precis.local.sagemaker.request_log import request_line
from precis.scaling import (
    AsyncEndpoint,
    Autoscaler,
    EndpointCapacity,
    Instance,
    InstanceState,
    Outcome,
    QueuedRequest,
    ScalingPolicy,
)

log = logging.getLogger(__name__)
MINUTE = 60.0
STALL_SECONDS = 2.0
"""A scheduler step this late (real seconds) means the process was stopped: its clock skips the gap."""
HEALTHY_SECONDS = 10.0
"""/ping answers healthy while the scheduler has stepped within this many real seconds."""


class InstanceWorker:
    """One instance: its model loaded once (in its first worker thread) and its invocation slots."""

    def __init__(self, instance: Instance, script: InferenceScript) -> None:
        self.instance = instance
        self._executor = ThreadPoolExecutor(
            instance.slots, thread_name_prefix=f"instance-{instance.instance_id}"
        )
        self._model = self._executor.submit(script.load)

    def model(self) -> LoadedModel:
        return self._model.result()

    def wait_loaded(self) -> None:
        """Until model_fn has returned or raised (a model that failed to load fails each request)."""
        error = self._model.exception()
        if error is not None:
            log.error("instance %d: the model did not load: %r", self.instance.instance_id, error)

    def run(self, function, *args) -> None:
        self._executor.submit(function, *args)

    def shutdown(self, *, wait: bool) -> None:
        self._executor.shutdown(wait=wait, cancel_futures=True)


class EndpointRuntime:
    def __init__(
        self,
        policy: ScalingPolicy,
        capacity: EndpointCapacity,
        script: InferenceScript,
        results: AsyncResults,
        *,
        clock: ScaledClock,
        journal: RequestJournal | None = None,
        initial_instances: int = 1,
        tick_seconds: float = 0.02,
        hold_while_updating: bool = True,
    ) -> None:
        self.policy = policy
        self.capacity = capacity
        self.clock = clock
        self.journal = journal or RequestJournal()
        self.faults = Faults()
        self.writes = JournalWriter(self.journal, self.faults)
        self._script = script
        self._results = results
        self._tick = tick_seconds
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        # A new endpoint is created with the variant's InitialInstanceCount in service (kept within
        # Min..MaxCapacity by Application Auto Scaling); a restarted one replaces the instances it had.
        self._created = self.journal.desired_instances() is None
        initial = policy.clamp(initial_instances) if self._created else 0
        self._endpoint = AsyncEndpoint(capacity, initial_instances=initial, now=clock.now())
        self._scaler = Autoscaler(policy, hold_while_updating=hold_while_updating)
        self._workers: dict[int, InstanceWorker] = {}
        self._deadlines: list[tuple[float, int, QueuedRequest]] = []
        self._next_minute = clock.now() + MINUTE
        self._counts: Counter[str] = Counter()
        self._publisher = ThreadPoolExecutor(2, thread_name_prefix="endpoint-results")
        self._scheduler = threading.Thread(target=self._run, name="endpoint-scheduler")
        self._last_step = time.monotonic()

    def start(self) -> None:
        """Ready once the instances it is created with have loaded their model, as SageMaker puts an
        endpoint InService only once its instances pass the health check."""
        self._resume()
        if self._created:
            self.journal.scaled_to(self._endpoint.desired)
        with self._lock:
            self._sync_workers()
            serving = [
                self._workers[i.instance_id]
                for i in self._endpoint.instances
                if i.state is InstanceState.IN_SERVICE
            ]
        for worker in serving:
            worker.wait_loaded()
        self._last_step = time.monotonic()
        self._scheduler.start()

    def submit(self, request: AsyncRequest, *, ttl: float, timeout: float) -> AsyncRequest:
        """Journals the request (before the caller answers 202) and queues it; returns it numbered.
        JournalUnavailable (nothing queued) when the journal cannot take it."""
        request = self.writes.accept(request, ttl=ttl, timeout=timeout)
        with self._lock:
            invocation = QueuedRequest(request.inference_id, self.clock.now(), ttl, timeout, payload=request)
            self._endpoint.submit(invocation)
            self._counts["accepted"] += 1
        self._wake.set()
        return request

    def refuse(self) -> None:
        """Counts an InvokeEndpointAsync answered ServiceUnavailable because of the refuse fault."""
        with self._lock:
            self._counts["refused"] += 1

    def _resume(self) -> None:
        """Takes over what the journal holds from a previous process: requests not yet run (or cut off while
        running) are queued again on their original TTL clock, running ones first; results already stored
        only need their notification. The instances the endpoint had are replaced, each after its start."""
        open_requests = self.journal.open_requests()
        now = self.clock.now()
        with self._lock:
            for journaled in sorted(open_requests, key=lambda j: j.state is not RequestState.RUNNING):
                if journaled.result is not None:
                    self._publisher.submit(self._notify, journaled.request, journaled.result)
                    continue
                arrived_at = now - self.clock.simulated(journaled.real_age())
                self._endpoint.submit(
                    QueuedRequest(
                        journaled.request.inference_id,
                        arrived_at,
                        journaled.ttl,
                        journaled.timeout,
                        payload=journaled.request,
                    )
                )
            desired = self.journal.desired_instances()
            if desired is not None and desired > self._endpoint.desired:
                self._endpoint.scale_to(desired, now)
            self._counts["resumed"] = len(open_requests)
        if open_requests:
            log.info("resumed %d open requests from the journal %s", len(open_requests), self.journal.path)

    def status(self) -> dict:
        with self._lock:
            endpoint = self._endpoint
            return {
                "instances": endpoint.desired,
                "in_service": endpoint.in_service,
                "pending": sum(1 for i in endpoint.instances if i.state is InstanceState.PENDING),
                "backlog": endpoint.backlog,
                "queued": endpoint.queued,
                "in_flight": endpoint.in_flight,
                "accepted": self._counts["accepted"],
                "processed": self._counts["processed"],
                "failed": self._counts["failed"],
                "expired": self._counts["expired"],
                "resumed": self._counts["resumed"],
                "refused": self._counts["refused"],
                "notifications_dropped": self._counts["notifications_dropped"],
                "journal": self.journal.counts(),
                "journal_fault": self.writes.fault(),
                "faults": self.faults.to_dict(),
                "simulated_seconds": round(self.clock.now(), 1),
                "time_scale": self.clock.time_scale,
                "scaling_activities": [
                    {"at_s": round(a.at, 1), "from": a.from_capacity, "to": a.to_capacity, "cause": a.cause}
                    for a in self._scaler.activities[-20:]
                ],
            }

    def stop(self) -> None:
        """Starts nothing new, lets in-flight invocations finish, and joins every thread it started."""
        self._stopping.set()
        self._wake.set()
        if self._scheduler.is_alive():
            self._scheduler.join()
        for worker in list(self._workers.values()):
            worker.shutdown(wait=True)
        self._publisher.shutdown(wait=True)

    def healthy(self) -> bool:
        """What GET /ping answers: the scheduler runs (SageMaker replaces an instance that fails it)."""
        return self._scheduler.is_alive() and time.monotonic() - self._last_step < HEALTHY_SECONDS

    def _run(self) -> None:
        while not self._stopping.is_set():
            now = time.monotonic()
            if now - self._last_step > STALL_SECONDS + self._tick:
                # Stopped (SIGSTOP, a suspended machine): nothing ran, so no TTL or timeout ran either.
                log.warning(
                    "the endpoint did not run for %.1f s; its clock leaves that out", now - self._last_step
                )
                self.clock.skip(now - self._last_step - self._tick)
            self._last_step = now
            try:
                self._step()
            except Exception:
                log.exception("endpoint scheduler step failed")
            self._wake.wait(self._tick)
            self._wake.clear()

    def _step(self) -> None:
        if self.writes.waiting:
            self.writes.flush()
        with self._lock:
            now = self.clock.now()
            while now >= self._next_minute:
                self._close_minute(self._next_minute)
                self._next_minute += MINUTE
            progress = self._endpoint.advance(now)
            timed_out = self._expire_deadlines(now)
            for invocation in progress.started:
                assert invocation.started_at is not None  # the fleet sets it (and instance) on dispatch
                deadline = invocation.started_at + invocation.timeout
                heapq.heappush(self._deadlines, (deadline, id(invocation), invocation))
            self._counts["expired"] += len(progress.expired)
            self._sync_workers()
            starts = [(self._workers[i.instance.instance_id], i) for i in progress.started if i.instance]
        for worker, invocation in starts:
            worker.run(self._invoke, worker, invocation)
        for invocation in progress.expired:
            reason = f"Request expired after {invocation.ttl:g} seconds in the queue (RequestTTLSeconds)."
            self._publisher.submit(self._deliver, invocation.payload, b"", "", reason)
        for invocation in timed_out:
            reason = f"Inference did not complete within {invocation.timeout:g} s (InvocationTimeoutSeconds)."
            self._publisher.submit(self._deliver, invocation.payload, b"", "", reason)

    def _close_minute(self, minute_end: float) -> None:
        metrics = self._endpoint.close_minute(minute_end)
        activity = self._scaler.evaluate(
            metrics, desired=self._endpoint.desired, updating=self._endpoint.updating
        )
        if activity:
            log.info("scaling %d -> %d (%s)", activity.from_capacity, activity.to_capacity, activity.cause)
            self._endpoint.scale_to(activity.to_capacity, minute_end)
            self.writes.write(self.journal.scaled_to, activity.to_capacity)
        self._publisher.submit(self._put_metrics, metrics, datetime.now(UTC))

    def _expire_deadlines(self, now: float) -> list[QueuedRequest]:
        timed_out = []
        while self._deadlines and self._deadlines[0][0] <= now:
            _, _, invocation = heapq.heappop(self._deadlines)
            if invocation.outcome is None and invocation.finished_at is None:
                invocation.outcome = Outcome.FAILED
                self._counts["failed"] += 1
                timed_out.append(invocation)
        return timed_out

    def _sync_workers(self) -> None:
        for instance in self._endpoint.instances:
            known = instance.instance_id in self._workers
            if instance.state is InstanceState.TERMINATED:
                if known:
                    self._workers.pop(instance.instance_id).shutdown(wait=False)
            elif not known:
                self._workers[instance.instance_id] = InstanceWorker(instance, self._script)

    def _invoke(self, worker: InstanceWorker, invocation: QueuedRequest) -> None:
        """Runs one request on a slot of `worker`; the slot is given back whatever fails (a request cut off
        by an unexpected error stays open in the journal, so the next start of the endpoint runs it)."""
        request: AsyncRequest = invocation.payload
        unfinished = "InternalFailure: the invocation did not finish"
        claimed = False
        reason: str | None = unfinished
        try:
            self.writes.write(self.journal.running, request)
            output, content_type, reason = self._run_model(worker, request)
            with self._lock:
                claimed = invocation.outcome is None
                if claimed:
                    invocation.outcome = Outcome.COMPLETED if reason is None else Outcome.FAILED
            if claimed:
                reason = self._deliver(request, output, content_type, reason)
        except Exception:
            log.exception("the invocation of %s failed", request.inference_id)
            reason = reason or unfinished
            raise
        finally:
            with self._lock:
                if claimed and reason is not None:
                    invocation.outcome = Outcome.FAILED
                self._endpoint.finish(invocation, self.clock.now(), ok=reason is None)
                if claimed:
                    self._counts["processed" if reason is None else "failed"] += 1
            self._wake.set()

    def _run_model(self, worker: InstanceWorker, request: AsyncRequest) -> tuple[bytes, str, str | None]:
        """The response and its content type, or the failure reason SageMaker would give; one log line
        says how it went (request_log)."""
        started = time.monotonic()
        output, content_type, reason = self._model_result(worker, request)
        log.info("%s", request_line(request.inference_id, output, reason, time.monotonic() - started))
        return output, content_type, reason

    def _model_result(self, worker: InstanceWorker, request: AsyncRequest) -> tuple[bytes, str, str | None]:
        try:
            body = self._results.read_input(request)
        except Exception as error:
            return b"", "", f"ClientError: Failed to download data from {request.input_location}: {error}"
        try:
            model = worker.model()
        except Exception as error:
            return b"", "", f"InternalFailure: the model did not load (model_fn raised {error!r})"
        try:
            output, content_type = model.invoke(
                body, request.content_type, request.accept, request.custom_attributes
            )
        except Exception as error:
            message = f'Received client error (400) from model with message "{error}".'
            return b"", "", f"ClientError: {message} See the SageMaker Endpoint logs for more information."
        return output, content_type, None

    def _deliver(
        self, request: AsyncRequest, output: bytes, content_type: str, reason: str | None
    ) -> str | None:
        """Writes the output (or failure) object, journals it, then notifies; the failure reason, if any."""
        if reason is None:
            try:
                self._results.write_output(request, output, content_type)
            except Exception as error:
                reason = f"InternalFailure: could not store the inference output: {error}"
        if reason is not None:
            try:
                self._results.write_failure(request, reason)
            except Exception:
                log.exception("could not write the failure object of %s", request.inference_id)
        result = RequestResult(content_type=content_type, failure_reason=reason)
        self.writes.write(self.journal.stored, request, result)
        self._notify(request, result)
        return reason

    def _notify(self, request: AsyncRequest, result: RequestResult) -> None:
        """Publishes the notification and closes the request; one that cannot be published stays open in
        the journal, so the next start of the endpoint sends it."""
        if self.faults.drop_notifications:
            with self._lock:
                self._counts["notifications_dropped"] += 1
        else:
            try:
                self._results.notify(request, result)
            except Exception:
                log.exception("could not notify the result of %s", request.inference_id)
                return
        self.writes.write(self.journal.closed, request)

    def _put_metrics(self, metrics, at: datetime) -> None:
        try:
            self._results.put_metrics(metrics, at)
        except Exception:
            log.exception("could not publish the endpoint metrics")
