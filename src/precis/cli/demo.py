"""`precis local demo` (`make demo`): the bundled sample articles through the whole offline pipeline.

Starts the local stack, uploads samples/* with the ordinary S3 API under incoming/samples/, follows the
records in DynamoDB until each is COMPLETED or FAILED, prints each article's title (what the submit
function read: a JSON `title`, the first heading, or the file name) with its summary, stops the stack,
and reports the wall time and the peak memory of the whole process tree.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from precis_core.domain.about import entities_of, key_phrases_of
from rich.console import Console
from rich.live import Live
from rich.panel import Panel
from rich.table import Table

from precis import paths
from precis.cli.console import shown
from precis.cli.record_table import engine_label
from precis.local.errors import StackError
from precis.local.ports import free_port_pair
from precis.local.process_tree import PeakMemory
from precis.local.stack import LocalStack
from precis.samples import content_type, sample_files

if TYPE_CHECKING:  # boto3's stubs are a dev dependency
    from mypy_boto3_dynamodb import DynamoDBClient

COLLECTION = "samples"
DEFAULT_PORT = 4566
DEMO_TIME_SCALE = 60.0
"""Simulated time runs 60x faster: an 8-minute instance start takes 8 s, a 2-minute alarm 2 s."""
_POLL_SECONDS = 0.5


@dataclass
class Tracked:
    """One uploaded sample and its record once the pipeline has written one."""

    path: Path
    key: str
    record: dict = field(default_factory=dict)

    @property
    def status(self) -> str:
        return self.record.get("status", "UPLOADED")

    @property
    def done(self) -> bool:
        return self.status in ("COMPLETED", "FAILED")

    @property
    def title(self) -> str:
        return self.record.get("title") or self.path.name


def upload_samples(stack: LocalStack, files: list[Path]) -> list[Tracked]:
    s3 = stack.client("s3")
    bucket = stack.outputs["InputBucketName"]
    tracked = []
    for path in files:
        key = f"incoming/{COLLECTION}/{path.name}"
        s3.upload_file(str(path), bucket, key, ExtraArgs={"ContentType": content_type(path)})
        tracked.append(Tracked(path, key))
    return tracked


def refresh(stack: LocalStack, tracked: list[Tracked], dynamodb: DynamoDBClient) -> None:
    """Reads the collection's records (GSI by-collection) and matches them to the uploads by location."""
    bucket = stack.outputs["InputBucketName"]
    by_location = {f"s3://{bucket}/{item.key}": item for item in tracked}
    request: dict[str, Any] = {
        "TableName": stack.outputs["SummariesTableName"],
        "IndexName": "by-collection",
        "KeyConditionExpression": "#c = :c",
        "ExpressionAttributeNames": {"#c": "collection"},
        "ExpressionAttributeValues": {":c": {"S": COLLECTION}},
    }
    while True:
        page = dynamodb.query(**request)
        for item in page["Items"]:
            record = {key: _plain(value) for key, value in item.items()}
            match = by_location.get(record.get("input_location", ""))
            if match is not None:
                match.record = record
        if "LastEvaluatedKey" not in page:
            return
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _plain(value: Mapping[str, Any]) -> Any:
    ((kind, inner),) = value.items()
    if kind == "N":
        return float(inner) if "." in inner else int(inner)
    if kind == "L":
        return [_plain(v) for v in inner]
    if kind == "M":
        return {k: _plain(v) for k, v in inner.items()}
    return inner


def endpoint_status(stack: LocalStack) -> dict:
    try:
        return stack.endpoint_admin("status", timeout=1)
    except (OSError, ValueError):
        return {}


def progress_table(tracked: list[Tracked], status: dict, elapsed: float) -> Table:
    table = Table(
        title=f"precis demo: {sum(t.done for t in tracked)}/{len(tracked)} done, {elapsed:.0f} s "
        f"(endpoint instances {status.get('instances', '?')}, backlog {status.get('backlog', '?')})"
    )
    table.add_column("document")
    table.add_column("status")
    for item in tracked:
        colour = {"COMPLETED": "green", "FAILED": "red", "QUEUED": "yellow"}.get(item.status, "dim")
        table.add_row(shown(item.title), f"[{colour}]{shown(item.status)}[/]")
    return table


def results_table(tracked: list[Tracked]) -> Table:
    table = Table(title="Summaries", show_lines=True, expand=True)
    table.add_column("document", overflow="fold", ratio=2)
    for column in ("status", "words in → out", "latency"):
        table.add_column(column, no_wrap=True)
    table.add_column("summary", overflow="fold", ratio=3)
    for item in tracked:
        record = item.record
        latency = f"{record['latency_ms'] / 1000:.1f} s" if record.get("latency_ms") is not None else "-"
        words = f"{record.get('words_in', '-')} → {record.get('words_out', '-')}"
        text = record.get("summary") or record.get("failure_reason") or ""
        excerpt = text if len(text) <= 100 else text[:99].rstrip() + "…"
        document = f"[bold]{shown(item.title)}[/]\n[dim]{shown(item.path.name)}[/]"
        table.add_row(document, shown(item.status), words, latency, shown(excerpt))
    engines = sorted({engine_label(t.record.get("engine")) for t in tracked if t.record.get("engine")})
    if engines:
        table.caption = f"summaries written by the {' and the '.join(engines)}"
    return table


def digest_line(tracked: list[Tracked]) -> str:
    """What the samples are about, in one line: each summarized article's first key phrase, and the
    named things more than one of them mentions (how many), from the records' own lists."""
    done = [item.record for item in tracked if item.status == "COMPLETED"]
    about = [phrases[0] for record in done if (phrases := key_phrases_of(record.get("key_phrases")))]
    named = Counter(
        name for record in done for name in {entity["text"] for entity in entities_of(record.get("entities"))}
    )
    shared = sorted(
        (name for name, count in named.items() if count > 1), key=lambda name: (-named[name], name)
    )
    line = f"digest of the samples: {len(done)} summaries" + (f" about {' · '.join(about)}" if about else "")
    if shared:
        line += "; named in more than one: " + ", ".join(f"{name} ({named[name]})" for name in shared[:5])
    return line


def demo_port(console: Console, asked: int | None) -> int:
    """The port asked for (StackError if it is busy: never another one silently); without one, 4566,
    or a free pair when that is busy, saying which."""
    if asked is not None:
        return free_port_pair(asked)
    try:
        return free_port_pair(DEFAULT_PORT)
    except StackError:
        port = free_port_pair(0)
        console.print(
            f"port {DEFAULT_PORT} or {DEFAULT_PORT + 1} is in use: the demo runs on {port} and {port + 1}"
        )
        return port


def run_demo(
    console: Console,
    *,
    port: int | None = None,
    time_scale: float = DEMO_TIME_SCALE,
    timeout_seconds: float = 110.0,
    files: list[Path] | None = None,
) -> int:
    started = time.monotonic()
    files = files if files is not None else sample_files()
    if not files:
        console.print(f"[red]no sample articles in {paths.samples_dir()}[/]")
        return 1
    port = demo_port(console, port)
    with PeakMemory() as memory:
        with console.status("starting the local stack (moto, SageMaker async endpoint, functions)..."):
            log_dir = paths.project_root() / ".precis" / "local" / "demo-logs"
            stack = LocalStack(port, time_scale=time_scale, log_dir=log_dir, ephemeral=True).start()
        try:
            console.print(
                f"stack up on {stack.endpoint_url} in {stack.startup_seconds:.1f} s; "
                f"uploading {len(files)} articles to s3://{stack.outputs['InputBucketName']}/"
                f"incoming/{COLLECTION}/"
            )
            tracked = upload_samples(stack, files)
            dynamodb = stack.client("dynamodb")
            with Live(progress_table(tracked, {}, 0), console=console, refresh_per_second=4) as live:
                while True:
                    refresh(stack, tracked, dynamodb)
                    live.update(progress_table(tracked, endpoint_status(stack), time.monotonic() - started))
                    if all(item.done for item in tracked) or time.monotonic() - started > timeout_seconds:
                        break
                    time.sleep(_POLL_SECONDS)
        finally:
            with console.status("stopping the local stack..."):
                stack.stop()
    console.print()
    console.print(results_table(tracked))
    for item in tracked:
        if item.record.get("summary"):
            console.print(Panel(shown(item.record["summary"]), title=shown(item.title), title_align="left"))
    console.print(shown(digest_line(tracked)), highlight=False)
    unfinished = [item.path.name for item in tracked if not item.done]
    wall = time.monotonic() - started
    console.print(f"wall time {wall:.1f} s, peak memory of the process tree {memory.peak / 2**20:.0f} MiB")
    if unfinished:
        console.print(
            f"[red]not finished after {timeout_seconds:.0f} s: {', '.join(unfinished)}[/] "
            f"(logs in {stack.log_dir})"
        )
        return 1
    return 0 if all(item.status == "COMPLETED" for item in tracked) else 1
