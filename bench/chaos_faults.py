"""The faults bench/chaos.py injects into a running local stack, each a real one: a signal to its
processes, a switch of the endpoint's admin API, a changed bucket notification. Each injection returns
what ends the fault (called once the second half of the uploads is made)."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from chaos_observe import StackObserver, wait_until
from stack_process import StackProcess

OUTAGE_SECONDS = 15.0
"""Real seconds the endpoint refuses requests: longer than the submit function's retries (botocore's,
then Lambda's two at 1 and 2 simulated minutes)."""
BACKLOG_FRACTION = 0.02
"""Processing faults hit once the endpoint holds this share of the uploads unfinished (and some are done)."""
INTAKE_FAULTS = ("no-fault", "kill-submit", "endpoint-outage", "duplicate-events", "poison", "clock-jump")
"""Faults injected before the second half of the uploads starts; the others hit once the endpoint is busy."""

End = Callable[[], None]


@dataclass(frozen=True)
class FaultTimes:
    """How long the timed faults last (real seconds, but the jump: simulated hours)."""

    journal_full_seconds: float = 40.0
    stop_seconds: float = 60.0
    """hang-endpoint, hang-record: from SIGSTOP to SIGCONT (the stack replaces a process silent 30 s)."""
    jump_hours: float = 7.0
    """clock-jump: past Lambda's 6 h maximum event age (the sleep issue 19 reports)."""


DEFAULT_TIMES = FaultTimes()


class Faults:
    """Injects one run's fault. `all_uploaded` and `settled_so_far` tell where the run is."""

    def __init__(
        self,
        view: StackObserver,
        *,
        uploads: int,
        all_uploaded: Callable[[], bool],
        settled_so_far: Callable[[], bool],
        restartable: StackProcess | None = None,
        times: FaultTimes = DEFAULT_TIMES,
    ) -> None:
        self.view = view
        self.stack = view.stack
        self.uploads = uploads
        self.all_uploaded = all_uploaded
        self.settled_so_far = settled_so_far
        self.restartable = restartable
        self.times = times
        self.completed_before: Counter[str] = Counter()
        """Model runs per key of the articles COMPLETED when moto or the stack was killed."""

    def inject(self, fault: str) -> End:
        """Injects the fault; returns what ends it."""
        injections: dict[str, Callable[[], End]] = {
            "kill-endpoint": lambda: self.kill_when_busy("endpoint"),
            "kill-submit": lambda: self.kill("SubmitFunction"),
            "kill-record": lambda: self.kill_when_busy("RecordFunction"),
            "endpoint-outage": self.outage,
            "drop-notifications": self.drop_notifications,
            "duplicate-events": self.duplicate_events,
            "poison": lambda: lambda: None,
            "no-fault": lambda: lambda: None,
            "kill-moto": lambda: self.kill_when_busy("moto"),
            "kill-stack": self.kill_stack,
            "journal-disk-full": self.journal_full,
            "hang-endpoint": lambda: self.stop_when_busy("endpoint"),
            "hang-record": lambda: self.stop_when_busy("RecordFunction"),
            "clock-jump": self.clock_jump,
        }
        return injections[fault]()

    def processing(self) -> bool:
        """Mid-run for the endpoint and the record function: the endpoint has finished requests and holds
        others unfinished (or, should it keep up with every upload, all uploads are made)."""
        journal = self.view.endpoint("status")["journal"]
        unfinished = journal["queued"] + journal["running"]
        return journal["closed"] >= 1 and (
            unfinished >= max(2, BACKLOG_FRACTION * self.uploads) or self.all_uploaded()
        )

    # --- kills and stops ------------------------------------------------------------------------
    def kill_when_busy(self, process: str) -> End:
        wait_until(self.processing, every=0.1)
        if process == "moto":
            self.completed_before = self.view.model_runs(completed_only=True)
        return self.kill(process)

    def kill_stack(self) -> End:
        """SIGKILL to every process of the stack mid-run, then the stack started again on its data."""
        assert self.restartable is not None, "kill-stack runs the stack in a process of its own"
        wait_until(self.processing, every=0.1)
        self.completed_before = self.view.model_runs(completed_only=True)
        self.restartable.kill_all()
        self.restartable.start()
        return lambda: None

    def kill(self, process: str) -> End:
        """SIGKILL of every execution environment of the function (or the endpoint)."""
        self.signal(process, signal.SIGKILL)
        return lambda: None

    def signal(self, process: str, signum: signal.Signals) -> list[int]:
        """`signum` to every execution environment of the function (or the endpoint); their pids."""
        pids = [
            pid
            for name, pid in self.stack.pids().items()
            if name == process or name.startswith(f"{process}-")
        ]
        for pid in pids:
            os.kill(pid, signum)
        return pids

    def stop_when_busy(self, process: str) -> End:
        """SIGSTOP mid-run; SIGCONT after the stop time to any process the stack has not replaced."""
        wait_until(self.processing, every=0.1)
        stopped = self.signal(process, signal.SIGSTOP)
        began = time.monotonic()

        def end() -> None:
            time.sleep(max(0.0, self.times.stop_seconds - (time.monotonic() - began)))
            for pid in stopped:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)

        return end

    def clock_jump(self) -> End:
        """Once the first half is settled, the submit function falls behind (its workers stopped while
        the second half is uploaded); then the machine sleeps: every process of the stack stopped, and the
        supervision with them, for the jump on the stack's clock. Waking, the waiting events are older
        than Lambda's maximum event age."""
        wait_until(self.settled_so_far)
        asleep = contextlib.ExitStack()
        asleep.enter_context(self.stack.supervisor.asleep())
        self.signal("SubmitFunction", signal.SIGSTOP)

        def end() -> None:
            pids = list(self.stack.pids().values())
            for pid in pids:
                os.kill(pid, signal.SIGSTOP)
            time.sleep(self.times.jump_hours * 3600 / self.stack.time_scale)
            for pid in pids:
                os.kill(pid, signal.SIGCONT)
            asleep.close()

        return end

    # --- the endpoint's switches and the bucket's notifications ---------------------------------
    def journal_full(self) -> End:
        wait_until(self.processing, every=0.1)
        self.view.set_faults(journal_full=True)
        began = time.monotonic()

        def end() -> None:
            time.sleep(max(0.0, self.times.journal_full_seconds - (time.monotonic() - began)))
            self.view.set_faults(journal_full=False)

        return end

    def outage(self) -> End:
        self.view.set_faults(refuse_invocations=True)
        began = time.monotonic()

        def end() -> None:
            time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - began)))
            self.view.set_faults(refuse_invocations=False)

        return end

    def drop_notifications(self) -> End:
        wait_until(self.processing, every=0.1)
        self.view.set_faults(drop_notifications=True)

        def end() -> None:
            wait_until(self.view.endpoint_idle)
            self.view.set_faults(drop_notifications=False)

        return end

    def duplicate_events(self) -> End:
        """From now on S3 delivers every upload's event to the submit function twice, as its
        at-least-once delivery may: the notification configuration appears twice."""
        s3, bucket = self.view.s3, self.view.bucket
        configuration = s3.get_bucket_notification_configuration(Bucket=bucket)
        configuration.pop("ResponseMetadata", None)
        configuration["QueueConfigurations"] = configuration.get("QueueConfigurations", []) * 2
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=configuration)
        return lambda: None
