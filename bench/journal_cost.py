"""What keeping the data costs moto's server per article, apart from the rest of the pipeline.

Two moto servers as the local stack runs them, one durable (a data directory: every acknowledged S3 and
DynamoDB write journaled and synced before its answer, precis.local.persistence) and one in memory only,
get the same writes an article makes on its way through the pipeline: the upload (a versioned bucket),
the QUEUED record, the endpoint's output object and the update to COMPLETED with the summary, into a
table with the summaries table's indexes and stream. Rounds alternate between the servers, so a busier
moment of the machine hits both. Printed per round and as medians: the server's CPU milliseconds per
article (user + system, read from /proc), and articles/s with --clients clients at once.

    python bench/journal_cost.py [--articles 300] [--rounds 5] [--clients 8]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from restore import TABLE, client, create_resources  # bench/restore.py, beside this script

from precis.local.ports import free_port_pair
from precis.local.process_tree import cpu_seconds
from precis.samples import passages


def start(port: int, log: Path, data_dir: Path | None) -> subprocess.Popen:
    command = [sys.executable, "-m", "precis.local.moto_server", "-p", str(port)]
    command += ["--data-dir", str(data_dir)] if data_dir else []
    with log.open("ab") as output:
        server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
        if server.poll() is not None:
            raise RuntimeError(log.read_text()[-2000:])
        time.sleep(0.05)
    return server


class Articles:
    """The writes of one article through the pipeline, against one server."""

    def __init__(self, port: int) -> None:
        self.s3, self.dynamodb = client(port, "s3"), client(port, "dynamodb")
        self.texts = [text for _, text in passages(400)]

    def write(self, number: int) -> None:
        text = self.texts[number % len(self.texts)]
        key, document = f"incoming/bench/article-{number:06d}.txt", f"{number:032x}"
        version = self.s3.put_object(Bucket="input", Key=key, Body=text.encode(), ContentType="text/plain")
        self.dynamodb.put_item(
            TableName=TABLE,
            Item={
                "document_id": {"S": document},
                "status": {"S": "QUEUED"},
                "collection": {"S": "bench"},
                "submitted_at": {"S": "2026-12-06T20:00:00.000Z"},
                "input_location": {"S": f"s3://input/{key}"},
                "version_id": {"S": version["VersionId"]},
            },
        )
        summary = " ".join(text.split()[:120])
        output = json.dumps({"summary": summary, "model": "extractive", "words_in": 400, "words_out": 120})
        self.s3.put_object(Bucket="output", Key=f"async-output/{document}-1.out", Body=output.encode())
        self.dynamodb.update_item(
            TableName=TABLE,
            Key={"document_id": {"S": document}},
            UpdateExpression="SET #s = :c, summary = :summary, completed_at = :t, words_out = :w",
            ConditionExpression="#s = :q",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={
                ":c": {"S": "COMPLETED"},
                ":q": {"S": "QUEUED"},
                ":summary": {"S": summary},
                ":t": {"S": "2026-12-06T20:00:02.000Z"},
                ":w": {"N": "120"},
            },
        )


def measure(
    server: subprocess.Popen, articles: Articles, numbers: range, clients: int
) -> tuple[float, float]:
    """(moto CPU ms per article, articles/s)."""
    cpu, started = cpu_seconds(server.pid), time.monotonic()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(articles.write, numbers))
    seconds = time.monotonic() - started
    return 1000 * (cpu_seconds(server.pid) - cpu) / len(numbers), len(numbers) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=300, help="per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    results: dict[str, list[tuple[float, float]]] = {"durable": [], "in memory": []}
    with tempfile.TemporaryDirectory() as work:
        servers = {}
        for name in results:
            port = free_port_pair()
            data = Path(work) / "data" if name == "durable" else None
            servers[name] = (start(port, Path(work) / f"{name}.log", data), port)
            create_resources(port)
        writers = {name: Articles(port) for name, (_, port) in servers.items()}
        for round_ in range(args.rounds):
            numbers = range(round_ * args.articles, (round_ + 1) * args.articles)
            for name, (server, _) in servers.items():
                cpu_ms, rate = measure(server, writers[name], numbers, args.clients)
                results[name].append((cpu_ms, rate))
                print(
                    f"  round {round_ + 1} {name}: moto {cpu_ms:.2f} CPU ms/article, {rate:.1f} articles/s, "
                    f"load average {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
        for server, _ in servers.values():
            server.terminate()
            server.wait()
    print(
        f"\n{args.articles} articles per round (4 writes each), {args.rounds} rounds, {args.clients} clients"
    )
    for name, runs in results.items():
        cpu = statistics.median(r[0] for r in runs)
        rate = statistics.median(r[1] for r in runs)
        print(f"{name:<10} moto CPU ms/article {cpu:6.2f}   articles/s {rate:6.1f}")
    durable, memory = ([r[0] for r in results[name]] for name in results)
    extra = [d - m for d, m in zip(durable, memory, strict=True)]
    rounds = ", ".join(f"{e:.2f}" for e in extra)
    print(f"durable extra CPU ms/article: {statistics.median(extra):.2f} (per round {rounds})")
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
