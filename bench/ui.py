"""The reading room's speed on this machine: a collection of 10,000 documents listed a page at a time,
and search over 10,000 summaries, each timed as the browser sees it (an HTTP GET of the whole page).

Usage: .venv/bin/python bench/ui.py [--documents 10000] [--pages 20] [--searches 20]

A local stack is started; its table gets `--documents` COMPLETED records in one collection (written
with BatchWriteItem, as the record function leaves them: title, summary, words, engine), and its
analytics copy gets as many synthetic summaries (bench/corpus.py). Listing follows the page's
"older" links from the newest page: each page is one Query on the by-collection index (Limit 50,
ExclusiveStartKey), never a Scan. Search is timed after the copy was synced and indexed once (that
first sync is reported on its own).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import statistics
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path
from urllib.parse import quote

import corpus
from precis_core.adapters.dynamodb_items import to_item
from precis_core.adapters.summary_store import SummaryStore
from precis_core.domain.ids import document_id, inference_id, timestamp
from precis_core.domain.models import Status, SummaryRecord

from precis.analytics.schema import PREFIX
from precis.cli.resources import StackResources, choose_target, describe
from precis.local.stack import LocalStack
from precis.ui.library import PAGE_SIZE
from precis.ui.server import serving

COLLECTION = "bench"
LIST_BUDGET_MS = 300
SEARCH_BUDGET_MS = 1000
_NEXT = re.compile(r'href="([^"]+)" data-next')


def write_records(resources: StackResources, count: int) -> None:
    dynamodb = resources.target.client("dynamodb")
    start = datetime(2026, 11, 1, tzinfo=UTC)
    items = []
    for n in range(count):
        key = f"incoming/{COLLECTION}/article-{n:05d}.txt"
        doc = document_id(resources.input_bucket, key, f"etag{n}")
        submitted = timestamp(start + timedelta(seconds=n * 30))
        record = SummaryRecord(
            document_id=doc,
            status=Status.COMPLETED,
            inference_id=inference_id(doc, 1),
            attempt=1,
            input_location=f"s3://{resources.input_bucket}/{key}",
            collection=COLLECTION,
            submitted_at=submitted,
            title=f"Article {n:05d} on the council's budget and the harbour",
            content_type="text/plain",
            summary=" ".join(["The council met and passed the budget after a long debate."] * 6),
            model="precis-extractive",
            engine="extractive",
            words_in=800 + n % 400,
            words_out=60,
            chunks=1,
            completed_at=submitted,
            latency_ms=4000,
        )
        items.append({"PutRequest": {"Item": to_item(record.to_dict())}})
    for i in range(0, len(items), 25):
        batch = {resources.table_name: items[i : i + 25]}
        while batch:
            batch = dynamodb.batch_write_item(RequestItems=batch).get("UnprocessedItems") or {}


def write_copy(resources: StackResources, count: int, scratch: Path) -> list[str]:
    """The synthetic summaries in the stack's analytics copy; some of their key phrases to search for."""
    rows = list(corpus.generate(count))
    corpus.write(rows, scratch)
    bucket, prefix = resources.output("AnalyticsLocation")[5:].split("/", 1)
    s3 = resources.target.client("s3")
    for path in sorted(scratch.rglob("*.json.gz")):
        s3.put_object(
            Bucket=bucket, Key=prefix + path.relative_to(scratch).as_posix(), Body=path.read_bytes()
        )
    return [row["key_phrases"][len(row["key_phrases"]) // 2] for row in rows[:: max(1, count // 50)]]


def query_times(resources: StackResources, pages: int) -> list[float]:
    """The by-collection Query each page makes, timed on its own: the stack's share of a page."""
    store = SummaryStore(resources.table_name, resources.target.client("dynamodb"))
    times, cursor = [], None
    for _ in range(pages):
        started = time.perf_counter()
        page = store.query_by_collection(COLLECTION, limit=PAGE_SIZE, cursor=cursor)
        times.append((time.perf_counter() - started) * 1000)
        cursor = page.cursor
    return times


def get(url: str, timeout: float = 60) -> tuple[float, str]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=timeout) as response:
        body = response.read().decode()
    return (time.perf_counter() - started) * 1000, body


def figures(label: str, times: list[float], budget: float) -> None:
    times = sorted(times)
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    verdict = "within" if times[-1] <= budget else "OVER"
    print(
        f"{label}: n={len(times)} median {statistics.median(times):.0f} ms, p95 {p95:.0f} ms, "
        f"max {times[-1]:.0f} ms ({verdict} the {budget:.0f} ms budget)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--searches", type=int, default=20)
    args = parser.parse_args()
    print("load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    with tempfile.TemporaryDirectory() as scratch, LocalStack(0, log_dir=Path(scratch) / "logs") as stack:
        resources = describe(choose_target(None, stack.endpoint_url, None))
        location = resources.outputs.get("AnalyticsLocation") or f"s3://{resources.output_bucket}/{PREFIX}"
        resources = dataclasses.replace(
            resources, outputs={**resources.outputs, "AnalyticsLocation": location}
        )
        started = time.perf_counter()
        write_records(resources, args.documents)
        print(f"{args.documents} records written in {time.perf_counter() - started:.0f} s")
        queries = write_copy(resources, args.documents, Path(scratch) / "corpus")
        with serving(resources, Path(scratch) / "state") as url:
            listing = []
            path = f"collections/{COLLECTION}"
            for _ in range(args.pages):
                elapsed, page = get(url + path)
                listing.append(elapsed)
                found = _NEXT.search(page)
                if not found:
                    break
                path = unescape(found.group(1)).lstrip("/")
            figures(f"list a page of 50 of {args.documents:,}", listing, LIST_BUDGET_MS)
            figures(
                "of which the Query alone (same pages, boto3)",
                query_times(resources, len(listing)),
                LIST_BUDGET_MS,
            )
            elapsed, _ = get(f"{url}search?q=warm", timeout=3600)
            print(f"first search (copy to Parquet, index {args.documents:,}): {elapsed / 1000:.0f} s")
            searches = [get(f"{url}search?q={quote(query)}")[0] for query in queries[: args.searches]]
            figures(f"search {args.documents:,} summaries", searches, SEARCH_BUDGET_MS)
    print("load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
