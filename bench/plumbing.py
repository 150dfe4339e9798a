"""Plumbing benchmark: what the local stack costs per article, around the model.

The same news-length articles go (1) through the local stack with a no-op inference script,
(2) through the local stack with the offline engine (model/code/inference.py), and (3) through the
engine alone, in this process. For each: articles/s (upload of the first to the last record
COMPLETED, timed after a warm-up burst has scaled the endpoint out), the AWS API calls per article
that reached moto's server (the benchmark's own uploads and polling subtracted), the CPU time each
process of the stack spent per article, and the time the stack adds per article over the engine
alone. The no-op stack runs twice: durable (the default: every acknowledged S3 and DynamoDB write on
disk before its answer, precis.local.persistence) and --ephemeral (in memory only), runs interleaved,
and the durable one's throughput is given as a share of the ephemeral one's. Figures are medians over
--runs runs, with their spread (lowest to highest); each run starts a fresh stack. moto's server is
one process under one GIL, so its CPU time per article sets the pipeline's ceiling: 1000 / (moto's CPU
ms per article) articles/s, measured in the same run.

    .venv/bin/python bench/plumbing.py [--articles 1000] [--runs 3] [--function-concurrency 2]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import statistics
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from precis_core.domain.ids import parse_timestamp

from precis import paths
from precis.local.process_tree import cpu_seconds
from precis.local.stack import LocalStack
from precis.samples import passages

NOOP_SCRIPT = Path(__file__).with_name("noop_inference.py")
TIME_SCALE = 60.0
"""Scaling decisions within seconds, so runs measure plumbing, not cooldowns (timeouts stay above 10 s)."""
WARM_UP = 60
"""Articles sent before timing: the endpoint scales out and every function is warm when the clock starts."""
_REQUEST_LINE = re.compile(r'"(GET|POST|PUT|HEAD|DELETE) [^"]*" \d{3}')


@dataclass
class Run:
    seconds: float
    articles: int
    api_calls: int
    cpu_ms: dict[str, float] = field(default_factory=dict)
    """CPU milliseconds per article by part of the stack (moto, each function, endpoint)."""

    @property
    def per_second(self) -> float:
        return self.articles / self.seconds

    @property
    def calls_per_article(self) -> float:
        return self.api_calls / self.articles

    @property
    def moto_ceiling(self) -> float:
        """Articles/s moto's server could answer with a whole core: its one process is the bottleneck."""
        return 1000 / self.cpu_ms["moto"] if self.cpu_ms.get("moto") else 0.0


def news_length_articles(count: int, words: int = 400) -> list[str]:
    """`count` texts of about `words` words: consecutive paragraphs of the bundled samples, cycled."""
    pieces = [text for _, text in passages(words)]
    return [pieces[i % len(pieces)] for i in range(count)]


class CallCounter:
    """Counts the API calls a boto3 client sends, so the benchmark can subtract its own."""

    def __init__(self) -> None:
        self.calls = 0

    def attach(self, client) -> None:
        client.meta.events.register("before-send", self._count)

    def _count(self, **_) -> None:
        self.calls += 1


def moto_requests(log: Path) -> int:
    try:
        return sum(1 for line in log.read_text(errors="replace").splitlines() if _REQUEST_LINE.search(line))
    except FileNotFoundError:
        return 0


def through_stack(
    articles: list[str], inference_script: Path | None, concurrency: int, ephemeral: bool = False
) -> Run:
    """Times the articles through a fresh stack (its data in a new directory, or in memory only), after a
    warm-up burst has scaled the endpoint out."""
    with (
        tempfile.TemporaryDirectory() as logs,
        LocalStack(
            0,
            time_scale=TIME_SCALE,
            instance_start_delay=0,
            inference_script=inference_script,
            log_dir=Path(logs),
            function_concurrency=concurrency,
            data_dir=Path(logs) / "data",
            ephemeral=ephemeral,
        ) as stack,
    ):
        counter = CallCounter()
        s3, dynamodb = stack.client("s3"), stack.client("dynamodb")
        counter.attach(s3)
        counter.attach(dynamodb)
        upload_and_wait(stack, s3, dynamodb, articles[:WARM_UP])
        moto_log = Path(logs) / "moto.log"
        time.sleep(0.5)  # moto writes its request log in batches; let it catch up before counting
        calls_before, own_before = moto_requests(moto_log), counter.calls
        cpu_before = stack_cpu_seconds(stack)
        seconds = upload_and_wait(stack, s3, dynamodb, articles)
        cpu_after = stack_cpu_seconds(stack)
        time.sleep(0.5)
        api_calls = moto_requests(moto_log) - calls_before - (counter.calls - own_before)
        cpu_ms = {part: 1000 * (cpu_after[part] - cpu_before[part]) / len(articles) for part in cpu_after}
        return Run(seconds, len(articles), api_calls, cpu_ms)


def stack_cpu_seconds(stack: LocalStack) -> dict[str, float]:
    """CPU seconds used so far by each part of the stack (a function's execution environments summed)."""
    parts: dict[str, float] = {}
    for name, pid in stack.pids().items():
        part = name.split("-")[0]
        parts[part] = parts.get(part, 0.0) + cpu_seconds(pid)
    return parts


def upload_and_wait(stack: LocalStack, s3, dynamodb, articles: list[str]) -> float:
    """Uploads the articles to a new collection; seconds until the last record was COMPLETED.

    The end is the newest record's completed_at. Until the endpoint has processed them all, progress is
    read from the endpoint's status, not from DynamoDB: each query of the collection is work moto's
    server would do with the CPU the pipeline needs."""
    collection = f"bench-{uuid.uuid4().hex[:8]}"
    bucket, table = stack.outputs["InputBucketName"], stack.outputs["SummariesTableName"]
    finished = endpoint_finished(stack) + len(articles)
    started = datetime.now(UTC)
    with ThreadPoolExecutor(max_workers=8) as pool:
        for number, text in enumerate(articles):
            key = f"incoming/{collection}/article-{number:05d}.txt"
            pool.submit(s3.put_object, Bucket=bucket, Key=key, Body=text.encode(), ContentType="text/plain")
    while endpoint_finished(stack) < finished:
        time.sleep(0.2)
    while (progress := completed(dynamodb, table, collection))[0] < len(articles):
        time.sleep(0.5)
    return (progress[1] - started).total_seconds()


def endpoint_finished(stack: LocalStack) -> int:
    """Requests the endpoint has processed or failed so far."""
    status = stack.endpoint_status()
    return status["processed"] + status["failed"] + status["expired"]


def completed(dynamodb, table: str, collection: str) -> tuple[int, datetime | None]:
    """COMPLETED records of the collection (GSI by-collection) and the newest completed_at among them;
    raises if any FAILED."""
    counts = {"COMPLETED": 0, "FAILED": 0}
    reasons = []
    last = None
    request = {
        "TableName": table,
        "IndexName": "by-collection",
        "KeyConditionExpression": "#c = :c",
        "ExpressionAttributeNames": {
            "#c": "collection",
            "#s": "status",
            "#r": "failure_reason",
            "#t": "completed_at",
        },
        "ExpressionAttributeValues": {":c": {"S": collection}},
        "ProjectionExpression": "#s, #r, #t",
    }
    while True:
        page = dynamodb.query(**request)
        for item in page["Items"]:
            status = item["status"]["S"]
            if status in counts:
                counts[status] += 1
            if status == "COMPLETED":
                at = parse_timestamp(item["completed_at"]["S"])
                last = at if last is None else max(last, at)
            if "failure_reason" in item:
                reasons.append(item["failure_reason"]["S"])
        if "LastEvaluatedKey" not in page:
            break
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    if counts["FAILED"]:
        raise RuntimeError(f"{counts['FAILED']} articles FAILED, e.g. {reasons[0]}")
    return counts["COMPLETED"], last


def engine_alone(articles: list[str]) -> Run:
    """The inference script's handler chain in this process, one article after another."""
    spec = importlib.util.spec_from_file_location("bench_inference", paths.model_code_dir() / "inference.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    model = script.model_fn(str(paths.project_root() / "model"))
    started = time.perf_counter()
    for text in articles:
        script.output_fn(script.predict_fn(script.input_fn(text, "text/plain"), model), "application/json")
    return Run(time.perf_counter() - started, len(articles), 0)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--function-concurrency", type=int, default=2, help="execution environments per function"
    )
    parser.add_argument(
        "--durability-only", action="store_true", help="only the no-op stack, durable and --ephemeral"
    )
    args = parser.parse_args()
    articles = news_length_articles(args.articles)
    words = statistics.median(len(a.split()) for a in articles)
    print(
        f"{args.articles} articles of median {words:.0f} words, {args.runs} runs each (medians), "
        f"{args.function_concurrency} execution environments per function"
    )
    modes = {
        "stack + no-op model": lambda: through_stack(articles, NOOP_SCRIPT, args.function_concurrency),
        "  the same, --ephemeral": lambda: through_stack(
            articles, NOOP_SCRIPT, args.function_concurrency, ephemeral=True
        ),
        "stack + offline engine": lambda: through_stack(articles, None, args.function_concurrency),
        "engine alone": lambda: engine_alone(articles),
    }
    if args.durability_only:
        modes = dict(list(modes.items())[:2])
    results: dict[str, list[Run]] = {name: [] for name in modes}
    for number in range(args.runs):  # interleaved, so a busier minute of the machine hits every mode
        for name, run in modes.items():
            result = run()
            results[name].append(result)
            print(f"  {name.strip()} run {number + 1}: {describe(result)}", flush=True)
    print(
        f"\n{'mode':<24} {'articles/s (spread)':>20} {'API calls/article':>18} {'ms/article':>11} "
        f"{'moto ceiling':>13} {'of ceiling':>11}"
    )
    medians = {}
    for name, runs in results.items():
        rates = [r.per_second for r in runs]
        per_second = statistics.median(rates)
        calls = statistics.median(r.calls_per_article for r in runs)
        ceiling = statistics.median(r.moto_ceiling for r in runs)
        medians[name] = 1000 / per_second
        spread = f"{per_second:.1f} ({min(rates):.1f}-{max(rates):.1f})"
        shares = f"{ceiling:>13.1f} {per_second / ceiling:>11.0%}" if ceiling else f"{'':>13} {'':>11}"
        print(f"{name:<24} {spread:>20} {calls:>18.1f} {medians[name]:>11.1f} {shares}")
    if "engine alone" in medians:
        added = medians["stack + offline engine"] - medians["engine alone"]
        print(
            f"\ntime the stack adds per article over the engine alone: {added:.1f} ms "
            f"(no-op plumbing alone: {medians['stack + no-op model']:.1f} ms/article)"
        )
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    durable, ephemeral = (
        [r.per_second for r in results[name]] for name in ("stack + no-op model", "  the same, --ephemeral")
    )
    ratios = [d / e for d, e in zip(durable, ephemeral, strict=True)]
    print(
        f"durable / --ephemeral throughput: {statistics.median(durable) / statistics.median(ephemeral):.2f} "
        f"(per run {', '.join(f'{r:.2f}' for r in ratios)})"
    )


def describe(run: Run) -> str:
    text = f"{run.per_second:.1f} articles/s"
    if run.cpu_ms:
        parts = ", ".join(f"{part} {ms:.1f}" for part, ms in sorted(run.cpu_ms.items(), key=lambda p: -p[1]))
        text += (
            f", {run.calls_per_article:.1f} API calls/article; CPU ms/article: {parts}; "
            f"moto's ceiling {run.moto_ceiling:.1f} articles/s; load average {os.getloadavg()[0]:.1f}"
        )
    return text


if __name__ == "__main__":
    main()
