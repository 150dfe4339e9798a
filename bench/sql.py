"""`precis sql` count-by-week over 100,000 stored summaries, read through the S3 API as a user runs it.

Usage: .venv/bin/python bench/sql.py [--documents N] [--runs R]
The synthetic year of summaries (bench/corpus.py, shared with bench/trends.py) is written in the
analytics copy's layout into a bucket of a moto server, named as the local stack's output bucket; then
`precis sql --endpoint-url` runs the count-by-week query in a fresh process: once with an empty cache
(every object listed, fetched and converted to Parquet) and R times warm (only the listing), printing
the median wall time, its spread, its CPU time (what it costs when the machine is not shared) and the
peak resident memory of the process.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3
from corpus import generate, write
from moto.server import ThreadedMotoServer

from precis.analytics.duck import split_location
from precis.cli.resources import LOCAL_CREDENTIALS, LOCAL_REGION
from precis.cli.sql import ANALYTICS_OUTPUT, cache_root
from precis.local.ports import free_port_pair
from precis.template import local_outputs

COUNT_BY_WEEK = (
    "SELECT date_trunc('week', published) AS week, count(*) AS documents FROM summaries "
    "GROUP BY week ORDER BY week"
)
LIMIT_SECONDS = 2.0


def timed(command: list[str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (user + system) of the process, and its output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    port = free_port_pair(0)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    url = f"http://127.0.0.1:{port}"
    try:
        bucket, prefix = split_location(local_outputs()[ANALYTICS_OUTPUT])
        s3 = boto3.client("s3", endpoint_url=url, region_name=LOCAL_REGION, **LOCAL_CREDENTIALS)
        s3.create_bucket(Bucket=bucket)
        with tempfile.TemporaryDirectory() as scratch:
            copy = Path(scratch)
            written = write(generate(args.documents), copy)
            files = sorted(copy.glob("collection=*/day=*/*.json.gz"))
            started = time.perf_counter()
            for path in files:
                s3.put_object(Bucket=bucket, Key=prefix + str(path.relative_to(copy)), Body=path.read_bytes())
            upload_s = time.perf_counter() - started
        shutil.rmtree(cache_root() / bucket, ignore_errors=True)
        command = [str(Path(sys.executable).with_name("precis")), "sql", COUNT_BY_WEEK, "--json"]
        command += ["--endpoint-url", url]
        cold, cold_cpu, output = timed(command)
        weeks = json.loads(output)
        assert sum(week["documents"] for week in weeks) == written, "every summary counted once"
        warm, warm_cpu = zip(*(timed(command)[:2] for _ in range(args.runs)), strict=True)
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    finally:
        server.stop()
        shutil.rmtree(cache_root() / bucket, ignore_errors=True)
    report = {
        "documents": written,
        "objects": len(files),
        "weeks": len(weeks),
        "upload_s": round(upload_s, 1),
        "first_run_s": round(cold, 2),
        "first_run_cpu_s": round(cold_cpu, 2),
        "warm_median_s": round(statistics.median(warm), 2),
        "warm_spread_s": [round(min(warm), 2), round(max(warm), 2)],
        "warm_cpu_median_s": round(statistics.median(warm_cpu), 2),
        "load_average": [round(x, 1) for x in os.getloadavg()],
        "peak_rss_mib": round(peak_mib),
        "within_limit": statistics.median(warm) <= LIMIT_SECONDS,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
