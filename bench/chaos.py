"""Chaos benchmark: real articles through the local stack, one fault injected mid-run, recovery as a user
would do it (the stack's supervision, then `precis reconcile`), and what every upload ended as.

Every fault is real:
  kill-endpoint       SIGKILL of the endpoint process; the stack restarts it and its journal resumes
  kill-submit         SIGKILL of every SubmitFunction execution environment while it works
  kill-record         SIGKILL of every RecordFunction execution environment while it works
  endpoint-outage     the endpoint refuses InvokeEndpointAsync (ServiceUnavailable, 503) for longer than
                      the submit function's retries last (its admin API's refuse_invocations switch)
  drop-notifications  the endpoint writes its objects but publishes no notification until it is idle
  duplicate-events    every S3 event delivered twice (the input bucket notifies the submit queue twice)
  poison              hostile uploads (the kinds issue 10 lists) mixed into the articles
  kill-moto           SIGKILL of moto's server; the stack restarts it on its data directory, which restores
                      every acknowledged object and record, and finishes what was in flight
  kill-stack          SIGKILL of every process of the stack at once (its process group), then the stack
                      started again on the same data, as `precis local up` after a crash
  journal-disk-full   every write to the endpoint's journal fails as on a full disk for 40 s (its admin
                      API's journal_full switch): requests are refused (500) and the endpoint goes on
  hang-endpoint       SIGSTOP of the endpoint process for 60 s, then SIGCONT; the stack's supervision
                      notices it no longer answers /ping and replaces it
  hang-record         SIGSTOP of every RecordFunction execution environment for 60 s, then SIGCONT;
                      the supervision notices their heartbeats stopped and replaces them
  clock-jump          a laptop sleeping 7 h with the submit function behind: once the first half is
                      settled its workers are stopped while the second half is uploaded, then every
                      process of the stack (moto, the endpoint, the functions, the supervision) is
                      stopped for 7 h of the stack's clock; on waking the waiting events are past
                      Lambda's 6 h maximum event age and dead-lettered, and reconcile's upload sweep
                      submits those uploads
  no-fault            the baseline: the same run without a fault (runs first when every fault runs)

A run uploads half the articles, then the other half while the fault hits: the faults on the intake
(kill-submit, endpoint-outage, duplicate-events) before the second half starts, the others once the
endpoint has finished some requests and holds others unfinished. It ends the fault, then waits
until nothing changes for a while and runs `precis reconcile`, again and again, until every upload is
settled or --deadline passes. Per fault it prints: articles, COMPLETED, FAILED (by reason), still
QUEUED, missing (an upload without a record), duplicate records (a record for no upload), endpoint
invocations per document (model runs, from the endpoint's journal), for the kills of moto and of the
whole stack the articles COMPLETED before the kill that the model ran again (must be none), and the
time to settle (the first
upload to the newest record's completed_at; with the baseline in the same run, also as a ratio to it),
and what recovery took (restarts, requests resumed from the endpoint's journal, `precis reconcile`
runs, `precis redrive` of events a function gave up on, events left in the dead-letter queues).
Each fault runs on a fresh stack.

    .venv/bin/python bench/chaos.py --articles 1000 [--fault kill-endpoint ...] [--json]
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from chaos_faults import DEFAULT_TIMES, INTAKE_FAULTS, Faults, FaultTimes
from chaos_observe import REDRIVEN, StackObserver, patiently
from chaos_report import BASELINE, Result, report
from chaos_uploads import Upload, Uploaded, articles, with_hostile
from stack_process import StackProcess

from precis.local.stack import LocalStack

PACED_INFERENCE = Path(__file__).with_name("paced_inference.py")
"""The real inference script at a GPU-like pace, so the endpoint holds a backlog when a fault hits."""
TIME_SCALE = 60.0
"""A minute of the stack's clock per second: Lambda's retry delays, alarms and instance starts in seconds."""
QUIET_SECONDS = 5.0
"""No change in the records for this long: the pipeline has done what it does on its own."""
FAULTS = (
    "kill-endpoint",
    "kill-submit",
    "kill-record",
    "endpoint-outage",
    "drop-notifications",
    "duplicate-events",
    "poison",
    "kill-moto",
    "kill-stack",
    "journal-disk-full",
    "hang-endpoint",
    "hang-record",
    "clock-jump",
)
FINAL = ("COMPLETED", "FAILED")


class ChaosRun:
    """One fault on a fresh stack: uploads, the fault, recovery, and the figures."""

    def __init__(
        self,
        stack: LocalStack,
        fault: str,
        uploads: list[Upload],
        deadline: float,
        restartable: StackProcess | None = None,
        times: FaultTimes = DEFAULT_TIMES,
    ) -> None:
        self.stack = stack
        self.fault = fault
        self.uploads = uploads
        self.deadline = deadline
        self.view = StackObserver(stack, f"chaos-{fault}-{uuid.uuid4().hex[:6]}")
        self.faults = Faults(
            self.view,
            uploads=len(uploads),
            all_uploaded=self.all_uploaded,
            settled_so_far=self.settled_so_far,
            restartable=restartable,
            times=times,
        )
        self.uploaded: list[Uploaded] = []
        self.reconcile_runs = 0
        self.redrive_runs = 0
        self._lock = threading.Lock()

    # --- the run --------------------------------------------------------------------------------
    def run(self) -> Result:
        started = time.monotonic()
        first_upload = datetime.now(UTC)
        half = len(self.uploads) // 2
        self.upload(self.uploads[:half])
        end_fault = self.faults.inject(self.fault) if self.fault in INTAKE_FAULTS else None
        second_half = threading.Thread(target=self.upload, args=(self.uploads[half:],))
        second_half.start()
        if end_fault is None:
            end_fault = self.faults.inject(self.fault)
        second_half.join()
        end_fault()
        self.recover(time.monotonic())  # --deadline is for settling: a clock-jump's sleep is not part of it
        result = self.result()
        result.wall_seconds = round(time.monotonic() - started, 1)
        newest = self.view.newest_completion()
        if newest is not None and result.queued == 0 and result.missing == 0:
            result.settle_seconds = round((newest - first_upload).total_seconds(), 1)
        return result

    def upload(self, uploads: list[Upload]) -> None:
        with ThreadPoolExecutor(max_workers=8) as pool:
            for done in pool.map(self._put, uploads):
                with self._lock:
                    self.uploaded.append(done)

    def _put(self, upload: Upload) -> Uploaded:
        key = f"incoming/{self.view.collection}/{upload.name}"
        extra = {"ContentType": upload.content_type} if upload.content_type else {}
        s3, bucket = self.view.s3, self.view.bucket
        response = patiently(s3.put_object, Bucket=bucket, Key=key, Body=upload.body, **extra)
        if upload.delete_after_put:
            s3.delete_object(Bucket=bucket, Key=key, VersionId=response["VersionId"])
        return Uploaded(upload, key)

    def recover(self, started: float) -> None:
        """What a user does: let the stack recover on its own, then `precis reconcile` until settled, and
        `precis redrive` while uploads still have no record and a dead-letter queue holds events (a
        backlog older than the function's maximum event age goes there); then `precis redrive` for a
        function whose dead-letter queue still holds events (they must change nothing)."""
        while not self.settled() and time.monotonic() - started < self.deadline:
            self.wait_quiet(started)
            if not self.settled():
                self.view.precis("reconcile")
                self.reconcile_runs += 1
            if (
                not self.settled()
                and self.missing_records()
                and "SubmitDeadLetterQueue" in self.view.dead_letters()
            ):
                self.redrive("submit")
        for function, queue in REDRIVEN.items():
            if queue in self.view.dead_letters():
                self.redrive(function)

    def redrive(self, function: str) -> None:
        self.view.precis("redrive", "--function", function)
        self.redrive_runs += 1

    def wait_quiet(self, started: float) -> None:
        """Until the records stop changing for QUIET_SECONDS (or everything is settled)."""
        last, since = None, time.monotonic()
        while time.monotonic() - started < self.deadline:
            records = self.view.records()
            state = Counter(r["status"] for r in records.values()), len(records)
            if state != last:
                last, since = state, time.monotonic()
            if self.settled() or time.monotonic() - since >= QUIET_SECONDS:
                return
            time.sleep(1.0)

    # --- where the run is -----------------------------------------------------------------------
    def all_uploaded(self) -> bool:
        with self._lock:
            return len(self.uploaded) == len(self.uploads)

    def expected(self) -> dict[str, Uploaded]:
        """The uploads made so far that must each end in one record, by key."""
        with self._lock:
            return {u.key: u for u in self.uploaded if u.upload.makes_record}

    def settled(self) -> bool:
        """Every upload is made and each that makes a record has one, COMPLETED or FAILED."""
        no_record = sum(not upload.makes_record for upload in self.uploads)
        made = len(self.expected()) == len(self.uploads) - no_record
        return made and self.settled_so_far()

    def settled_so_far(self) -> bool:
        """Each upload made so far has its record, COMPLETED or FAILED."""
        by_key = self.view.records_by_key()
        return all(
            by_key.get(key) and all(r["status"] in FINAL for r in by_key[key]) for key in self.expected()
        )

    def missing_records(self) -> bool:
        """Some upload made so far has no record yet."""
        return not set(self.expected()) <= set(self.view.records_by_key())

    def result(self) -> Result:
        records = self.view.records()
        by_key = self.view.records_by_key()
        expected = self.expected()
        statuses = Counter(r["status"] for r in records.values())
        reasons = Counter(
            r.get("failure_reason", "")[:100] for r in records.values() if r["status"] == "FAILED"
        )
        runs = self.view.model_runs()
        invoked = [runs[key] for key in expected if runs[key]]
        well_formed = [key for key, u in expected.items() if u.upload.well_formed]
        return Result(
            fault=self.fault,
            articles=len(well_formed),
            uploads=len(self.uploads),
            completed=statuses["COMPLETED"],
            failed=statuses["FAILED"],
            failed_by_reason=dict(reasons.most_common()),
            queued=statuses["QUEUED"],
            missing=sum(key not in by_key for key in expected),
            duplicates=sum(len(found) - (key in expected) for key, found in by_key.items()),
            well_formed=len(well_formed),
            odd_uploads={
                u.upload.name: " ".join(
                    f"{r['status']} {r.get('failure_reason', '')}".strip() for r in by_key.get(key, [])
                )
                or "no record"
                for key, u in expected.items()
                if not u.upload.well_formed
            },
            well_formed_completed=sum(
                [r["status"] for r in by_key.get(key, [])] == ["COMPLETED"] for key in well_formed
            ),
            invocations_per_document=round(sum(invoked) / len(invoked), 3) if invoked else 0.0,
            max_invocations=max(invoked, default=0),
            restarts={name: n for name, n in self.stack.supervisor.restarts().items() if n},
            restart_events=[line for line in self.stack.supervisor.events if "restarting it in" in line],
            resumed=self.view.endpoint("status")["resumed"],
            dead_letters=self.view.dead_letters(),
            dead_letter_reasons=self.view.dead_letter_reasons(),
            reconcile_runs=self.reconcile_runs,
            redrive_runs=self.redrive_runs,
            reran_completed=sum(runs[key] > count for key, count in self.faults.completed_before.items()),
        )


def run_fault(
    fault: str,
    count: int,
    *,
    function_concurrency: int,
    deadline: float,
    inference_script: Path,
    times: FaultTimes = DEFAULT_TIMES,
    hang_seconds: float | None = None,
    time_scale: float = TIME_SCALE,
) -> Result:
    uploads = with_hostile(articles(count)) if fault == "poison" else articles(count)
    with tempfile.TemporaryDirectory() as logs:
        settings = {"time_scale": time_scale, "inference_script": inference_script}
        settings["function_concurrency"] = function_concurrency
        stack = LocalStack(0, log_dir=Path(logs), data_dir=Path(logs) / "data", **settings)
        if hang_seconds is not None:
            stack.supervisor.hang_seconds = hang_seconds
        if fault != "kill-stack":
            with stack:
                return ChaosRun(stack, fault, uploads, deadline, times=times).run()
        options = [f"--{name.replace('_', '-')}={value}" for name, value in settings.items()]
        with StackProcess(stack, options, Path(logs)) as restartable:
            return ChaosRun(stack, fault, uploads, deadline, restartable, times).run()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=1000, help="well-formed articles per fault")
    parser.add_argument(
        "--fault",
        action="append",
        choices=(BASELINE, *FAULTS),
        help="repeat for several (default: the baseline, then every fault)",
    )
    parser.add_argument(
        "--function-concurrency", type=int, default=2, help="execution environments per function"
    )
    parser.add_argument(
        "--deadline",
        type=float,
        default=900.0,
        help="real seconds the stack may take to settle once the fault has ended",
    )
    parser.add_argument(
        "--inference-script",
        type=Path,
        default=PACED_INFERENCE,
        help="what the endpoint runs (default: the real script at a GPU-like 0.3 s per request)",
    )
    parser.add_argument("--runs", type=int, default=1, help="runs of each fault (times are medians)")
    defaults = DEFAULT_TIMES
    parser.add_argument(
        "--stop-seconds",
        type=float,
        default=defaults.stop_seconds,
        help="hang-endpoint, hang-record: real seconds from SIGSTOP to SIGCONT",
    )
    parser.add_argument(
        "--journal-full-seconds",
        type=float,
        default=defaults.journal_full_seconds,
        help="journal-disk-full: real seconds the journal cannot be written",
    )
    parser.add_argument(
        "--jump-hours", type=float, default=defaults.jump_hours, help="clock-jump: hours the machine sleeps"
    )
    parser.add_argument(
        "--time-scale", type=float, default=TIME_SCALE, help=f"the stack's (default {TIME_SCALE:g})"
    )
    parser.add_argument(
        "--hang-seconds",
        type=float,
        default=None,
        help="real seconds without a sign of life before the stack replaces a process (default: the stack's)",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per fault and run, one per line")
    args = parser.parse_args()
    # SIGTERM ends the run like Ctrl-C: the stack is stopped and its journal removed on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    results: dict[str, list[Result]] = {}
    for number in range(1, args.runs + 1):
        for fault in args.fault or (BASELINE, *FAULTS):
            result = run_fault(
                fault,
                args.articles,
                function_concurrency=args.function_concurrency,
                deadline=args.deadline,
                inference_script=args.inference_script,
                times=FaultTimes(args.journal_full_seconds, args.stop_seconds, args.jump_hours),
                hang_seconds=args.hang_seconds,
                time_scale=args.time_scale,
            )
            results.setdefault(fault, []).append(result)
            if args.json:
                print(json.dumps({**asdict(result), "run": number, "goal_met": result.goal_met}), flush=True)
            else:
                print(f"run {number}, {fault}: {result.wall_seconds:.0f} s", file=sys.stderr, flush=True)
    if not args.json:
        report(results)
    return 0 if all(r.goal_met for runs in results.values() for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
