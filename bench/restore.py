"""Restore benchmark: how long moto's server takes to come back with the local stack's data
(precis.local.persistence), for N articles with their summaries.

One durable moto server gets what N summarized articles leave behind: N uploads in a versioned input
bucket (news-length texts), N output objects (the endpoint's JSON) and N COMPLETED records with their
summaries in a table with the summaries table's indexes and stream, written by 8 clients at once. Then it is
killed (SIGKILL) and started again, twice: first on the journal as written (segments only, or with
whatever compaction finished), then after a clean compaction into one snapshot. Printed: the write
rate, the data's size on disk, and for each restart the seconds from the process starting to it
accepting connections and the seconds (and CPU seconds, which a busy machine changes less) restoring
took of that.

    .venv/bin/python bench/restore.py [--articles 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
from botocore.config import Config

from precis.local.persistence import READY, journal, layout
from precis.local.ports import free_port_pair
from precis.samples import passages

TABLE = "summaries"


def start(data_dir: Path, log: Path, port: int) -> tuple[subprocess.Popen, float, dict]:
    """moto's server on the data; (process, seconds until it accepted a connection, what it restored)."""
    started = time.monotonic()
    with log.open("ab") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "precis.local.moto_server", "-p", str(port), "--data-dir", str(data_dir)],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
        if server.poll() is not None:
            raise RuntimeError(log.read_text()[-2000:])
        time.sleep(0.01)
    seconds = time.monotonic() - started
    line = [line for line in log.read_text().splitlines() if READY in line][-1]
    return server, seconds, json.loads(line.partition(READY)[2])


def client(port: int, service: str):
    return boto3.client(
        service,
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(max_pool_connections=16, retries={"mode": "standard"}),
    )


def create_resources(port: int) -> None:
    """The input bucket (versioned), the output bucket, and a table with the summaries table's indexes
    and stream."""
    s3, dynamodb = client(port, "s3"), client(port, "dynamodb")
    s3.create_bucket(Bucket="input")
    s3.put_bucket_versioning(Bucket="input", VersioningConfiguration={"Status": "Enabled"})
    s3.create_bucket(Bucket="output")
    dynamodb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "document_id", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": name, "AttributeType": "S"}
            for name in ("document_id", "status", "collection", "submitted_at")
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": f"by-{name}",
                "KeySchema": [
                    {"AttributeName": name, "KeyType": "HASH"},
                    {"AttributeName": "submitted_at", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for name in ("status", "collection")
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )


def fill(port: int, count: int) -> float:
    """What `count` summarized articles leave behind; seconds it took to write."""
    create_resources(port)
    s3, dynamodb = client(port, "s3"), client(port, "dynamodb")
    texts = [text for _, text in passages(400)]

    def article(number: int) -> None:
        text = texts[number % len(texts)]
        summary = " ".join(text.split()[:120])
        key = f"incoming/bench/article-{number:05d}.txt"
        version = s3.put_object(Bucket="input", Key=key, Body=text.encode(), ContentType="text/plain")
        document = f"{number:032x}"
        output = json.dumps({"summary": summary, "model": "extractive", "words_in": 400, "words_out": 120})
        s3.put_object(Bucket="output", Key=f"async-output/{document}-1.out", Body=output.encode())
        dynamodb.put_item(
            TableName=TABLE,
            Item={
                "document_id": {"S": document},
                "status": {"S": "COMPLETED"},
                "collection": {"S": "bench"},
                "submitted_at": {"S": "2026-12-06T20:00:00.000Z"},
                "completed_at": {"S": "2026-12-06T20:00:02.000Z"},
                "inference_id": {"S": f"{document}-1"},
                "input_location": {"S": f"s3://input/{key}"},
                "version_id": {"S": version["VersionId"]},
                "output_location": {"S": f"s3://output/async-output/{document}-1.out"},
                "title": {"S": text.split(".")[0][:120]},
                "summary": {"S": summary},
                "words_in": {"N": "400"},
                "words_out": {"N": "120"},
                "latency_ms": {"N": "2000"},
                "attempts": {
                    "L": [{"M": {"inference_id": {"S": f"{document}-1"}, "status": {"S": "COMPLETED"}}}]
                },
            },
        )

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(article, range(count)))
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        data, log, port = Path(work) / "data", Path(work) / "moto.log", free_port_pair()
        server, _, _ = start(data, log, port)
        seconds = fill(port, args.articles)
        print(
            f"{args.articles} articles written in {seconds:.1f} s ({3 * args.articles / seconds:.0f} "
            f"writes/s, each on disk before its answer); data {layout.size_bytes(data) / 1e6:.1f} MB"
        )
        for name in ("as written", "after compaction"):
            os.kill(server.pid, signal.SIGKILL)
            server.wait()
            if name == "after compaction":
                moto_dir = data / "moto"
                journal.compact(moto_dir, journal.numbered(moto_dir, "segment-")[-1])
            files = sorted(path.name for path in (data / "moto").iterdir())
            server, seconds, restored = start(data, log, port)
            print(
                f"restart {name} ({len(files)} journal files): listening after {seconds:.2f} s, of which "
                f"restoring {restored['seconds']:.2f} s ({restored['cpu_seconds']:.2f} s of CPU): "
                f"{restored['objects']} objects, {restored['items']} records; load average "
                f"{os.getloadavg()[0]:.1f}"
            )
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
