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
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from botocore.config import Config
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError
from precis_core.domain.ids import parse_timestamp
from stack_process import StackProcess

from precis.cli.console import console, shown
from precis.local.stack import LocalStack
from precis.samples import passages

PACED_INFERENCE = Path(__file__).with_name("paced_inference.py")
"""The real inference script at a GPU-like pace, so the endpoint holds a backlog when a fault hits."""
TIME_SCALE = 60.0
"""A minute of the stack's clock per second: Lambda's retry delays, alarms and instance starts in seconds."""
OUTAGE_SECONDS = 15.0
"""Real seconds the endpoint refuses requests: longer than the submit function's retries (botocore's,
then Lambda's two at 1 and 2 simulated minutes)."""
QUIET_SECONDS = 5.0
"""No change in the records for this long: the pipeline has done what it does on its own."""
BACKLOG_FRACTION = 0.02
"""Processing faults hit once the endpoint holds this share of the uploads unfinished (and some are done)."""
INTAKE_FAULTS = ("no-fault", "kill-submit", "endpoint-outage", "duplicate-events", "poison", "clock-jump")
PRECIS = Path(sys.executable).with_name("precis")
REDRIVEN = {"submit": "SubmitDeadLetterQueue", "record": "RecordDeadLetterQueue"}
"""`precis redrive --function F`: the events each function's on-failure queue keeps."""
BASELINE = "no-fault"
"""The same run without a fault: the time to settle the faults' times are compared with."""
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
PATIENT = Config(retries={"mode": "standard", "max_attempts": 10})
RESTART_SECONDS = 120.0
"""How long the uploader keeps trying to connect while moto's server or the whole stack restarts (the
SDK's own retries give up after a few refused connections)."""


@dataclass(frozen=True)
class FaultTimes:
    """How long the timed faults last (real seconds, but the jump: simulated hours)."""

    journal_full_seconds: float = 40.0
    stop_seconds: float = 60.0
    """hang-endpoint, hang-record: from SIGSTOP to SIGCONT (the stack replaces a process silent 30 s)."""
    jump_hours: float = 7.0
    """clock-jump: past Lambda's 6 h maximum event age (the sleep issue 19 reports)."""


@dataclass(frozen=True)
class Upload:
    """One object put under incoming/<collection>/."""

    name: str
    body: bytes
    content_type: str | None = None
    well_formed: bool = True
    """A normal article: it must end COMPLETED."""
    makes_record: bool = True
    """A folder marker makes none."""
    delete_after_put: bool = False


@dataclass
class Uploaded:
    upload: Upload
    key: str


@dataclass
class Result:
    fault: str
    articles: int
    uploads: int
    completed: int = 0
    failed: int = 0
    failed_by_reason: dict[str, int] = field(default_factory=dict)
    queued: int = 0
    missing: int = 0
    duplicates: int = 0
    well_formed: int = 0
    well_formed_completed: int = 0
    odd_uploads: dict[str, str] = field(default_factory=dict)
    """What each upload that is not a plain article ended as (poison): its status and reason."""
    invocations_per_document: float = 0.0
    max_invocations: int = 0
    settle_seconds: float | None = None
    restarts: dict[str, int] = field(default_factory=dict)
    resumed: int = 0
    """Open requests the (last) endpoint process took over from its journal."""
    reconcile_runs: int = 0
    redrive_runs: int = 0
    dead_letters: dict[str, int] = field(default_factory=dict)
    """Messages left in the functions' dead-letter queues after recovery (`precis redrive` empties them)."""
    dead_letter_reasons: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per queue left with messages: how many carry each error (Lambda's ErrorMessage attribute)."""
    reran_completed: int = 0
    """Articles COMPLETED before moto or the whole stack was killed that the model ran again."""
    wall_seconds: float = 0.0

    @property
    def goal_met(self) -> bool:
        return (
            self.missing == 0
            and self.queued == 0
            and self.duplicates == 0
            and self.well_formed_completed == self.well_formed
            and self.reran_completed == 0
        )


def dead_letter_reason(message: dict) -> str:
    """Why Lambda gave up on an event: the condition and error of an on-failure destination's invocation
    record (EventInvokeConfig), or the ErrorMessage attribute of a dead-letter queue's copy of the event."""
    attribute = message.get("MessageAttributes", {}).get("ErrorMessage", {}).get("StringValue")
    if attribute:
        return str(attribute)[:160]
    try:
        record = json.loads(message["Body"])
        condition = record["requestContext"]["condition"]
    except (ValueError, KeyError, TypeError):
        return "(no error given)"
    error = (record.get("responsePayload") or {}).get("errorMessage", "")
    return f"{condition}: {error}"[:160] if error else str(condition)


def articles(count: int) -> list[Upload]:
    """`count` news-to-paper-length texts cut from the bundled samples, cycled under distinct names."""
    texts = passages(min_words=300)
    return [
        Upload(f"article-{number:05d}.txt", texts[number % len(texts)][1].encode(), "text/plain")
        for number in range(count)
    ]


def hostile_uploads(article: str) -> list[Upload]:
    """The kinds of bad or odd upload issue 10 lists; each must end settled (COMPLETED, or FAILED with
    a reason), none QUEUED or without a record. Written here, not taken from anywhere."""
    deep = '{"text": ' * 10_000 + '"deep"' + "}" * 10_000
    words = article.split()
    return [
        Upload(
            "inputs-20000.json", json.dumps({"inputs": [article[:400]] * 20_000}).encode(), well_formed=False
        ),
        Upload("deep-10000.json", deep.encode(), well_formed=False),
        Upload(
            "huge-parameters.json",
            json.dumps(
                {
                    "text": article,
                    "parameters": {"sentences": 10**9, "max_length": 10**9, "target_words": 10**9},
                }
            ).encode(),
            well_formed=False,
        ),
        Upload("zero-width.txt", ("\u200b\u200c\u200d\ufeff" * 2000).encode(), well_formed=False),
        Upload(
            "markup-field.json", json.dumps({"[/]": article, "[bold]x[/]": 1}).encode(), well_formed=False
        ),
        Upload(
            "ansi-title.md",
            f"# \x1b[31mRed\x1b[0m title \x1b]0;pwned\x07\n\n{article}".encode(),
            well_formed=False,
        ),
        Upload("utf16.txt", article.encode("utf-16"), well_formed=False),
        Upload("utf8-bom.txt", b"\xef\xbb\xbf" + article.encode(), well_formed=False),
        Upload(
            "invalid-utf8.txt",
            article.encode()[:2000] + b" \xc3\x28 \xfa\xc0\xaf",
            well_formed=False,
        ),
        Upload("report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 40, well_formed=False),
        Upload("figure.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, well_formed=False),
        Upload("notes.docx", b"PK\x03\x04" + bytes(range(256)) * 40, well_formed=False),
        Upload(
            "one-line.txt",
            " ".join(words[i % len(words)] for i in range(150_000)).encode(),
            well_formed=False,
        ),
        Upload("tiny-sentences.txt", ("Yes. " * 60_000).encode(), well_formed=False),
        Upload("empty.txt", b"", well_formed=False),
        Upload(
            "oversize.txt",
            (article + "\n\n").encode() * (11 * 1024 * 1024 // len(article) + 1),
            well_formed=False,
        ),
        Upload("deleted-before-read.txt", article.encode(), well_formed=False, delete_after_put=True),
        Upload("wrong-type.json", json.dumps({"text": 42}).encode(), well_formed=False),
        Upload("script-only.html", b"<html><script>alert(1)</script></html>", well_formed=False),
        Upload("sub folder/", b"", well_formed=False, makes_record=False),
        Upload("Résumé + plan (final) 東京.txt", article.encode(), well_formed=False),
    ]


def patiently(call: Callable, **request: object) -> dict:
    """The call, tried again while nothing listens (a restart under way), for up to RESTART_SECONDS."""
    deadline = time.monotonic() + RESTART_SECONDS
    while True:
        try:
            return call(**request)
        except (EndpointConnectionError, ConnectionClosedError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


class ChaosRun:
    """One fault on a fresh stack: uploads, the fault, recovery, and the figures."""

    def __init__(
        self,
        stack: LocalStack,
        fault: str,
        uploads: list[Upload],
        deadline: float,
        restartable: StackProcess | None = None,
        times: FaultTimes = FaultTimes(),
    ) -> None:
        self.stack = stack
        self.restartable = restartable
        self.completed_before: dict[str, int] = {}
        """Model runs per key of the articles COMPLETED when moto or the stack was killed."""
        self.times = times
        self.fault = fault
        self.uploads = uploads
        self.deadline = deadline
        self.collection = f"chaos-{fault}-{uuid.uuid4().hex[:6]}"
        self.bucket = stack.outputs["InputBucketName"]
        self.table = stack.outputs["SummariesTableName"]
        self.s3 = stack.client("s3", config=PATIENT)
        self.dynamodb = stack.client("dynamodb", config=PATIENT)
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
        end_fault = self.inject() if self.fault in INTAKE_FAULTS else None
        second_half = threading.Thread(target=self.upload, args=(self.uploads[half:],))
        second_half.start()
        if end_fault is None:
            end_fault = self.inject()
        second_half.join()
        end_fault()
        self.recover(time.monotonic())  # --deadline is for settling: a clock-jump's sleep is not part of it
        result = self.result()
        result.wall_seconds = round(time.monotonic() - started, 1)
        newest = self.newest_completion()
        if newest is not None and result.queued == 0 and result.missing == 0:
            result.settle_seconds = round((newest - first_upload).total_seconds(), 1)
        return result

    def upload(self, uploads: list[Upload]) -> None:
        with ThreadPoolExecutor(max_workers=8) as pool:
            for done in pool.map(self._put, uploads):
                with self._lock:
                    self.uploaded.append(done)

    def _put(self, upload: Upload) -> Uploaded:
        key = f"incoming/{self.collection}/{upload.name}"
        extra = {"ContentType": upload.content_type} if upload.content_type else {}
        response = patiently(self.s3.put_object, Bucket=self.bucket, Key=key, Body=upload.body, **extra)
        if upload.delete_after_put:
            self.s3.delete_object(Bucket=self.bucket, Key=key, VersionId=response["VersionId"])
        return Uploaded(upload, key)

    def inject(self) -> Callable[[], None]:
        """Injects the fault; returns what ends it (after the second half is uploaded)."""
        injections: dict[str, Callable[[], Callable[[], None]]] = {
            "kill-endpoint": lambda: self.kill_when_busy("endpoint"),
            "kill-submit": lambda: self.kill("SubmitFunction"),
            "kill-record": lambda: self.kill_when_busy("RecordFunction"),
            "endpoint-outage": self.outage,
            "drop-notifications": self.drop_notifications,
            "duplicate-events": self.duplicate_events,
            "poison": lambda: lambda: None,
            BASELINE: lambda: lambda: None,
            "kill-moto": lambda: self.kill_when_busy("moto"),
            "kill-stack": self.kill_stack,
            "journal-disk-full": self.journal_full,
            "hang-endpoint": lambda: self.stop_when_busy("endpoint"),
            "hang-record": lambda: self.stop_when_busy("RecordFunction"),
            "clock-jump": self.clock_jump,
        }
        return injections[self.fault]()

    def kill_when_busy(self, process: str) -> Callable[[], None]:
        self.wait(self.processing, every=0.1)
        if process == "moto":
            self.completed_before = self.model_runs(completed_only=True)
        return self.kill(process)

    def kill_stack(self) -> Callable[[], None]:
        """SIGKILL to every process of the stack mid-run, then the stack started again on its data."""
        self.wait(self.processing, every=0.1)
        self.completed_before = self.model_runs(completed_only=True)
        self.restartable.kill_all()
        self.restartable.start()
        return lambda: None

    def model_runs(self, completed_only: bool = False) -> Counter[str]:
        """Model runs per uploaded key, from the endpoint's journal (only COMPLETED articles' if asked)."""
        runs: Counter[str] = Counter()
        for row in self.endpoint("journal")["requests"]:
            runs[row["input_location"].removeprefix(f"s3://{self.bucket}/")] += row["runs"]
        if completed_only:
            done = {r["key"] for r in self.records().values() if r["status"] == "COMPLETED"}
            return Counter({key: count for key, count in runs.items() if key in done})
        return runs

    def processing(self) -> bool:
        """Mid-run for the endpoint and the record function: the endpoint has finished requests and holds
        others unfinished (or, should it keep up with every upload, all uploads are made)."""
        journal = self.endpoint("status")["journal"]
        unfinished = journal["queued"] + journal["running"]
        with self._lock:
            all_uploaded = len(self.uploaded) == len(self.uploads)
        return journal["closed"] >= 1 and (
            unfinished >= max(2, BACKLOG_FRACTION * len(self.uploads)) or all_uploaded
        )

    def kill(self, process: str) -> Callable[[], None]:
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

    def stop_when_busy(self, process: str) -> Callable[[], None]:
        """SIGSTOP mid-run; SIGCONT after the stop time to any process the stack has not replaced."""
        self.wait(self.processing, every=0.1)
        stopped = self.signal(process, signal.SIGSTOP)
        began = time.monotonic()

        def end() -> None:
            time.sleep(max(0.0, self.times.stop_seconds - (time.monotonic() - began)))
            for pid in stopped:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)

        return end

    def journal_full(self) -> Callable[[], None]:
        self.wait(self.processing, every=0.1)
        self.set_faults(journal_full=True)
        began = time.monotonic()

        def end() -> None:
            time.sleep(max(0.0, self.times.journal_full_seconds - (time.monotonic() - began)))
            self.set_faults(journal_full=False)

        return end

    def clock_jump(self) -> Callable[[], None]:
        """Once the first half is settled, the submit function falls behind (its workers stopped while
        the second half is uploaded); then the machine sleeps: every process of the stack stopped, and the
        supervision with them, for the jump on the stack's clock. Waking, the waiting events are older
        than Lambda's maximum event age."""
        self.wait(self.settled_so_far)
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

    def outage(self) -> Callable[[], None]:
        self.set_faults(refuse_invocations=True)
        began = time.monotonic()

        def end() -> None:
            time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - began)))
            self.set_faults(refuse_invocations=False)

        return end

    def drop_notifications(self) -> Callable[[], None]:
        self.wait(self.processing, every=0.1)
        self.set_faults(drop_notifications=True)

        def end() -> None:
            self.wait(self.endpoint_idle)
            self.set_faults(drop_notifications=False)

        return end

    def duplicate_events(self) -> Callable[[], None]:
        """From now on S3 delivers every upload's event to the submit function twice, as its
        at-least-once delivery may: the notification configuration appears twice."""
        configuration = self.s3.get_bucket_notification_configuration(Bucket=self.bucket)
        configuration.pop("ResponseMetadata", None)
        configuration["QueueConfigurations"] = configuration.get("QueueConfigurations", []) * 2
        self.s3.put_bucket_notification_configuration(
            Bucket=self.bucket, NotificationConfiguration=configuration
        )
        return lambda: None

    def recover(self, started: float) -> None:
        """What a user does: let the stack recover on its own, then `precis reconcile` until settled, and
        `precis redrive` while uploads still have no record and a dead-letter queue holds events (a
        backlog older than the function's maximum event age goes there); then `precis redrive` for a
        function whose dead-letter queue still holds events (they must change nothing)."""
        while not self.settled() and time.monotonic() - started < self.deadline:
            self.wait_quiet(started)
            if not self.settled():
                self.reconcile()
            if (
                not self.settled()
                and self.missing_records()
                and "SubmitDeadLetterQueue" in self.dead_letters()
            ):
                self.precis("redrive", "--function", "submit")
                self.redrive_runs += 1
        for function, queue in REDRIVEN.items():
            if queue in self.dead_letters():
                self.precis("redrive", "--function", function)
                self.redrive_runs += 1

    # --- observing ------------------------------------------------------------------------------
    def records(self) -> dict[str, dict]:
        """The collection's records by document id (the by-collection index, every page), each with the
        key of its upload."""
        request = {
            "TableName": self.table,
            "IndexName": "by-collection",
            "KeyConditionExpression": "#c = :c",
            "ExpressionAttributeNames": {
                "#c": "collection",
                "#d": "document_id",
                "#s": "status",
                "#r": "failure_reason",
                "#t": "completed_at",
                "#i": "input_location",
            },
            "ExpressionAttributeValues": {":c": {"S": self.collection}},
            "ProjectionExpression": "#d, #s, #r, #t, #i",
        }
        found = {}
        while True:
            page = patiently(self.dynamodb.query, **request)
            for item in page["Items"]:
                record = {name: value["S"] for name, value in item.items()}
                record["key"] = record.get("input_location", "").removeprefix(f"s3://{self.bucket}/")
                found[record["document_id"]] = record
            if "LastEvaluatedKey" not in page:
                return found
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def expected(self) -> dict[str, Uploaded]:
        """The uploads made so far that must each end in one record, by key."""
        with self._lock:
            return {u.key: u for u in self.uploaded if u.upload.makes_record}

    def settled(self) -> bool:
        """Every upload is made and each that makes a record has one, COMPLETED or FAILED."""
        made = len(self.expected()) == len(self.uploads) - self._no_record_uploads()
        return made and self.settled_so_far()

    def settled_so_far(self) -> bool:
        """Each upload made so far has its record, COMPLETED or FAILED."""
        by_key = self.records_by_key()
        return all(
            by_key.get(key) and all(r["status"] in FINAL for r in by_key[key]) for key in self.expected()
        )

    def missing_records(self) -> bool:
        """Some upload made so far has no record yet."""
        return not set(self.expected()) <= set(self.records_by_key())

    def records_by_key(self) -> dict[str, list[dict]]:
        by_key: dict[str, list[dict]] = {}
        for record in self.records().values():
            by_key.setdefault(record["key"], []).append(record)
        return by_key

    def _no_record_uploads(self) -> int:
        return sum(not upload.makes_record for upload in self.uploads)

    def wait(self, condition: Callable[[], bool], every: float = 0.5) -> None:
        while not condition():
            time.sleep(every)

    def wait_quiet(self, started: float) -> None:
        """Until the records stop changing for QUIET_SECONDS (or everything is settled)."""
        last, since = None, time.monotonic()
        while time.monotonic() - started < self.deadline:
            records = self.records()
            state = Counter(r["status"] for r in records.values()), len(records)
            if state != last:
                last, since = state, time.monotonic()
            if self.settled() or time.monotonic() - since >= QUIET_SECONDS:
                return
            time.sleep(1.0)

    def endpoint_idle(self) -> bool:
        status = self.endpoint("status")
        journal = status["journal"]
        return status["backlog"] == 0 and journal["queued"] + journal["running"] + journal["stored"] == 0

    def endpoint(self, path: str) -> dict:
        return self.stack.endpoint_admin(path, timeout=10)

    def set_faults(self, **faults: bool) -> None:
        self.stack.endpoint_admin("faults", faults, timeout=10)

    def reconcile(self) -> None:
        self.precis("reconcile")
        self.reconcile_runs += 1

    def precis(self, *command: str) -> None:
        """A `precis` command against the stack, as a user runs it."""
        env = {**os.environ, **self.stack.aws_environment()}
        subprocess.run(
            [str(PRECIS), *command, "--endpoint-url", self.stack.endpoint_url, "--json"],
            env=env,
            capture_output=True,
            check=True,
            timeout=600,
        )

    def dead_letters(self) -> dict[str, int]:
        """Messages in each function's dead-letter queue, those with any."""
        sqs = self.stack.client("sqs")
        counts = {}
        for queue in (*REDRIVEN.values(), "ReconcileDeadLetterQueue"):
            url = sqs.get_queue_url(QueueName=self.stack.stack.get_att(queue, "QueueName"))["QueueUrl"]
            attributes = sqs.get_queue_attributes(
                QueueUrl=url,
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            )["Attributes"]
            count = sum(int(value) for value in attributes.values())
            if count:
                counts[queue] = count
        return counts

    def dead_letter_reasons(self) -> dict[str, dict[str, int]]:
        """Why the messages left in a dead-letter queue got there, counted (`dead_letter_reason`).
        Read at the very end (receiving hides them for a while, as any reader of the queue does)."""
        sqs = self.stack.client("sqs")
        reasons: dict[str, dict[str, int]] = {}
        for queue in self.dead_letters():
            url = sqs.get_queue_url(QueueName=self.stack.stack.get_att(queue, "QueueName"))["QueueUrl"]
            counted: Counter[str] = Counter()
            while batch := sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=600, MessageAttributeNames=["All"]
            ).get("Messages", []):
                counted.update(dead_letter_reason(message) for message in batch)
            reasons[queue] = dict(counted.most_common())
        return reasons

    def newest_completion(self) -> datetime | None:
        times = [parse_timestamp(r["completed_at"]) for r in self.records().values() if "completed_at" in r]
        return max(times, default=None)

    def result(self) -> Result:
        records = self.records()
        by_key = self.records_by_key()
        expected = self.expected()
        statuses = Counter(r["status"] for r in records.values())
        reasons = Counter(
            r.get("failure_reason", "")[:100] for r in records.values() if r["status"] == "FAILED"
        )
        runs = self.model_runs()
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
            resumed=self.endpoint("status")["resumed"],
            dead_letters=self.dead_letters(),
            dead_letter_reasons=self.dead_letter_reasons(),
            reconcile_runs=self.reconcile_runs,
            redrive_runs=self.redrive_runs,
            reran_completed=sum(runs[key] > count for key, count in self.completed_before.items()),
        )


def run_fault(
    fault: str,
    count: int,
    *,
    function_concurrency: int,
    deadline: float,
    inference_script: Path,
    times: FaultTimes = FaultTimes(),
    hang_seconds: float | None = None,
    time_scale: float = TIME_SCALE,
) -> Result:
    uploads = articles(count)
    if fault == "poison":
        hostile = hostile_uploads(uploads[0].body.decode())
        step = max(1, len(uploads) // len(hostile))
        for offset, upload in enumerate(hostile):
            uploads.insert(min(len(uploads), offset * (step + 1)), upload)
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


def worst(runs: list[Result]) -> Result:
    """The run furthest from the goal (the last one when all met it)."""
    return max(reversed(runs), key=lambda r: (not r.goal_met, r.missing + r.queued + r.duplicates))


def settle_text(runs: list[Result]) -> tuple[str, float | None]:
    """The median time to settle over the runs, with the range when there are several."""
    times = [r.settle_seconds for r in runs]
    if any(t is None for t in times):
        return "never", None
    median = statistics.median(times)
    spread = f" ({min(times):.0f}-{max(times):.0f})" if len(times) > 1 else ""
    return f"{median:.1f}{spread}", median


def report(results: dict[str, list[Result]]) -> None:
    """One row per fault: the counts of its worst run, the median time to settle and its ratio to the
    baseline's median; then the FAILED reasons and what each odd upload ended as."""
    print(
        f"{'fault':<19} {'uploads':>7} {'COMPLETED':>9} {'FAILED':>6} {'QUEUED':>6} {'missing':>7} "
        f"{'dup rec':>7} {'inv/doc':>7} {'max':>3} {'settle s':>14} {'x base':>6}  recovery"
    )
    baseline = settle_text(results[BASELINE])[1] if BASELINE in results else None
    for fault, runs in results.items():
        r = worst(runs)
        restarts = [f"{name} restarted x{n}" for name, n in r.restarts.items()]
        resumed = [f"{r.resumed} resumed from the journal"] if r.resumed else []
        dead = [f"{count} in {queue}" for queue, count in r.dead_letters.items()]
        redrives = [f"redrive x{r.redrive_runs}"] if r.redrive_runs else []
        recovery = ", ".join(restarts + resumed + [f"reconcile x{r.reconcile_runs}"] + redrives + dead)
        settle, median = settle_text(runs)
        ratio = f"{median / baseline:.2f}" if baseline and median is not None else "-"
        invocations = f"{r.invocations_per_document:>7.3f} {r.max_invocations:>3}"
        print(
            f"{fault:<19} {r.uploads:>7} {r.completed:>9} {r.failed:>6} {r.queued:>6} {r.missing:>7} "
            f"{r.duplicates:>7} {invocations} {settle:>14} {ratio:>6}  {recovery}"
        )
    for fault, runs in results.items():
        r = worst(runs)
        for queue, reasons in r.dead_letter_reasons.items():
            print(f"\n{fault}: left in {queue}, by error")
            for reason, count in reasons.items():
                console.print(f"  {count:>5}  {shown(reason)}", highlight=False, soft_wrap=True)
        if r.failed_by_reason:
            print(f"\n{fault}: FAILED by reason")
            for reason, count in r.failed_by_reason.items():
                console.print(f"  {count:>5}  {shown(reason)}", highlight=False, soft_wrap=True)
        if r.odd_uploads:
            print(f"\n{fault}: each odd upload")
            for name, outcome in r.odd_uploads.items():
                console.print(f"  {shown(name):<34} {shown(outcome[:110])}", highlight=False, soft_wrap=True)
    met = [fault for fault, runs in results.items() if all(r.goal_met for r in runs)]
    missed = [fault for fault in results if fault not in met]
    print(
        f"\ngoal (0 missing, 0 QUEUED, 0 duplicate records, every well-formed article COMPLETED) in every "
        f"run met by: {', '.join(met) or 'none'}; missed by: {', '.join(missed) or 'none'}"
    )


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
    defaults = FaultTimes()
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
