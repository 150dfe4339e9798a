"""Screenshots of the reading room's pages at 1280×800 into docs/ (the README and docs show them).

Usage: .venv/bin/python scripts/ui_screenshots.py [--out docs] [--corpus 6000]

Starts a local stack, uploads sample articles (and one that fails) into `news`, waits for their
records, writes a synthetic year of summaries (bench/corpus.py, Zipf phrases and events) into the
stack's analytics copy so trends have periods to compare, then serves `precis ui` and photographs
each page with Debian's headless Chromium (precis.ui.headless).
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from types import ModuleType
from urllib.parse import quote

from precis_core.adapters.summary_store import SummaryStore
from selenium.webdriver.common.by import By

from precis import paths
from precis.analytics.schema import PREFIX
from precis.cli.resources import StackResources, choose_target, describe
from precis.local.stack import LocalStack
from precis.samples import passages
from precis.ui import headless
from precis.ui.server import serving

ARTICLES = 6
COLLECTION = "news"
BROKEN = b'{"text": 42}'  # JSON the inference script refuses: a FAILED record with its reason


def corpus_module() -> ModuleType:
    """bench/corpus.py, loaded from its file (bench/ is scripts, not a package)."""
    spec = importlib.util.spec_from_file_location("corpus", paths.project_root() / "bench" / "corpus.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["corpus"] = module  # its dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


def with_analytics(resources: StackResources) -> StackResources:
    """The stack's analytics copy location (where the template's AnalyticsFunction writes it)."""
    location = resources.outputs.get("AnalyticsLocation") or f"s3://{resources.output_bucket}/{PREFIX}"
    return dataclasses.replace(resources, outputs={**resources.outputs, "AnalyticsLocation": location})


def write_copy(resources: StackResources, documents: int, scratch: Path) -> None:
    corpus = corpus_module()
    corpus.write(corpus.generate(documents), scratch)
    bucket, prefix = resources.output("AnalyticsLocation")[5:].split("/", 1)
    s3 = resources.target.client("s3")
    for path in sorted(scratch.rglob("*.json.gz")):
        s3.put_object(
            Bucket=bucket, Key=prefix + path.relative_to(scratch).as_posix(), Body=path.read_bytes()
        )


def upload_articles(resources: StackResources) -> list[str]:
    """Sample articles and one broken request into the collection; their keys."""
    s3 = resources.target.client("s3")
    keys = []
    for n, (title, text) in enumerate(passages(400)[:ARTICLES]):
        key = f"incoming/{COLLECTION}/article-{n}.txt"
        s3.put_object(Bucket=resources.input_bucket, Key=key, Body=f"{title}\n\n{text}".encode())
        keys.append(key)
    key = f"incoming/{COLLECTION}/broken-request.json"
    s3.put_object(Bucket=resources.input_bucket, Key=key, Body=BROKEN, ContentType="application/json")
    return [*keys, key]


def wait_for_records(resources: StackResources, count: int, timeout: float = 300) -> None:
    store = SummaryStore(resources.table_name, resources.target.client("dynamodb"))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        records = store.query_by_collection(COLLECTION, limit=100).records
        if len(records) >= count and all(r.status.value != "QUEUED" for r in records):
            return
        time.sleep(1)
    raise SystemExit(f"the {count} records of {COLLECTION} did not finish in {timeout:.0f} s")


def warm_up(url: str) -> None:
    """The first search converts the copy to Parquet and builds the index (minutes for a synthetic
    year on two cores): done before the browser, whose page loads time out sooner."""
    started = time.monotonic()
    with urllib.request.urlopen(f"{url}search?q=warm", timeout=1800) as response:
        response.read()
    print(f"analytics copy synced and indexed in {time.monotonic() - started:.0f} s")


def photograph(url: str, out: Path) -> list[Path]:
    shots = []
    with headless.chromium() as browser:

        def shot(path: str, name: str) -> None:
            browser.get(url + path.lstrip("/"))
            time.sleep(0.5)
            headless.screenshot(browser, out / name)
            shots.append(out / name)

        shot("/", "ui-collections.png")
        shot(f"/collections/{COLLECTION}", "ui-collection.png")
        rows = browser.find_elements(By.CSS_SELECTOR, "tbody[data-rows] tr[data-id]")
        by_status = {row.get_attribute("data-status"): row.get_attribute("data-id") for row in rows}
        shot(f"/documents/{by_status['COMPLETED']}", "ui-document.png")
        shot(f"/documents/{by_status['FAILED']}", "ui-failed.png")
        shot(f"/trends?collection={COLLECTION}&by=week&digest=7d", "ui-trends.png")
        rising = browser.find_elements(By.CSS_SELECTOR, "table.trends tbody tr td:first-child")
        query = rising[0].text.rsplit(" ", 1)[0] if rising else "council budget"
        shot(f"/search?q={quote(query)}", "ui-search.png")
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=paths.project_root() / "docs")
    parser.add_argument("--corpus", type=int, default=6000, help="Synthetic summaries in the analytics copy.")
    args = parser.parse_args()
    problem = headless.missing()
    if problem:
        raise SystemExit(problem)
    with tempfile.TemporaryDirectory() as scratch, LocalStack(0, log_dir=Path(scratch) / "logs") as stack:
        resources = with_analytics(describe(choose_target(None, stack.endpoint_url, None)))
        keys = upload_articles(resources)
        write_copy(resources, args.corpus, Path(scratch) / "corpus")
        wait_for_records(resources, len(keys))
        with serving(resources, Path(scratch) / "state") as url:
            warm_up(url)
            for path in photograph(url, args.out):
                print(path)


if __name__ == "__main__":
    main()
