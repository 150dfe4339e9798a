"""Plumbing benchmark: what the local stack costs per article, around the model.

The same news-length articles go (1) through the local stack with a no-op inference script,
(2) through the local stack with the offline engine (model/code/inference.py), and (3) through the
engine alone, in this process. For each: articles/s (upload of the first to the last record
COMPLETED, timed after a warm-up burst has scaled the endpoint out), the AWS API calls per article
that reached moto's server (the benchmark's own uploads and polling subtracted), and the time the
stack adds per article over the engine alone. Figures are medians over --runs runs; each run starts
a fresh stack. Each run also prints how many simple calls/s moto's server answers at that moment,
the ceiling of the whole pipeline on a shared machine.

    .venv/bin/python bench/plumbing.py [--articles 1000] [--runs 3] [--function-concurrency 2]
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import statistics
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from precis_core.ids import parse_timestamp

from precis import paths
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
    moto_calls_per_second: float = 0.0

    @property
    def per_second(self) -> float:
        return self.articles / self.seconds

    @property
    def calls_per_article(self) -> float:
        return self.api_calls / self.articles


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


def through_stack(articles: list[str], inference_script: Path | None, concurrency: int) -> Run:
    """Times the articles through a fresh stack, after a warm-up burst has scaled the endpoint out."""
    with (
        tempfile.TemporaryDirectory() as logs,
        LocalStack(
            0,
            time_scale=TIME_SCALE,
            instance_start_delay=0,
            inference_script=inference_script,
            log_dir=Path(logs),
            function_concurrency=concurrency,
        ) as stack,
    ):
        counter = CallCounter()
        s3, dynamodb = stack.client("s3"), stack.client("dynamodb")
        counter.attach(s3)
        counter.attach(dynamodb)
        upload_and_wait(stack, s3, dynamodb, articles[:WARM_UP])
        moto_log = Path(logs) / "moto.log"
        capacity = moto_capacity(stack)
        time.sleep(0.5)  # the moto log is copied by a thread; let it catch up before counting
        calls_before, own_before = moto_requests(moto_log), counter.calls
        seconds = upload_and_wait(stack, s3, dynamodb, articles)
        time.sleep(0.5)
        api_calls = moto_requests(moto_log) - calls_before - (counter.calls - own_before)
        return Run(seconds, len(articles), api_calls, capacity)


def upload_and_wait(stack: LocalStack, s3, dynamodb, articles: list[str]) -> float:
    """Uploads the articles to a new collection; seconds until the last record was COMPLETED.

    The end is the newest record's completed_at, so the benchmark can poll seldom (each poll is a query
    moto's server answers with the same CPU the pipeline needs) without rounding the time up."""
    collection = f"bench-{uuid.uuid4().hex[:8]}"
    bucket, table = stack.outputs["InputBucketName"], stack.outputs["SummariesTableName"]
    started = datetime.now(UTC)
    with ThreadPoolExecutor(max_workers=8) as pool:
        for number, text in enumerate(articles):
            key = f"incoming/{collection}/article-{number:05d}.txt"
            pool.submit(s3.put_object, Bucket=bucket, Key=key, Body=text.encode(), ContentType="text/plain")
    while (progress := completed(dynamodb, table, collection))[0] < len(articles):
        time.sleep(1.0)
    return (progress[1] - started).total_seconds()


def moto_capacity(stack: LocalStack, seconds: float = 2.0) -> float:
    """Simple calls/s moto's server answers to one client right now: the ceiling of the pipeline."""
    sqs = stack.client("sqs")
    queue = stack.stack.get_att("SubmitDeadLetterQueue", "QueueName")
    calls, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        sqs.get_queue_url(QueueName=queue)
        calls += 1
    return calls / (time.perf_counter() - started)


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
    args = parser.parse_args()
    articles = news_length_articles(args.articles)
    words = statistics.median(len(a.split()) for a in articles)
    print(
        f"{args.articles} articles of median {words:.0f} words, {args.runs} runs each (medians), "
        f"{args.function_concurrency} execution environments per function"
    )
    modes = {
        "stack + no-op model": lambda: through_stack(articles, NOOP_SCRIPT, args.function_concurrency),
        "stack + offline engine": lambda: through_stack(articles, None, args.function_concurrency),
        "engine alone": lambda: engine_alone(articles),
    }
    results: dict[str, list[Run]] = {}
    for name, run in modes.items():
        results[name] = []
        for number in range(args.runs):
            result = run()
            results[name].append(result)
            print(
                f"  {name} run {number + 1}: {result.per_second:.1f} articles/s, "
                f"{result.calls_per_article:.1f} API calls/article"
                + (
                    f" (moto answers {result.moto_calls_per_second:.0f} calls/s here)"
                    if result.api_calls
                    else ""
                ),
                flush=True,
            )
    print(f"\n{'mode':<24} {'articles/s':>10} {'API calls/article':>18} {'ms/article':>11}")
    medians = {}
    for name, runs in results.items():
        per_second = statistics.median(r.per_second for r in runs)
        calls = statistics.median(r.calls_per_article for r in runs)
        medians[name] = 1000 / per_second
        print(f"{name:<24} {per_second:>10.1f} {calls:>18.1f} {medians[name]:>11.1f}")
    added = medians["stack + offline engine"] - medians["engine alone"]
    print(
        f"\ntime the stack adds per article over the engine alone: {added:.1f} ms "
        f"(no-op plumbing alone: {medians['stack + no-op model']:.1f} ms/article)"
    )


if __name__ == "__main__":
    main()
