"""Trends, search and SQL over 100,000 stored summaries (bench/corpus.py), each as a user runs it.

Usage: .venv/bin/python bench/trends.py [WORK_DIR] [--documents N] [--runs R] [--reuse] [--json]

Loads a synthetic year (gzip JSON lines → Parquet → a DuckDB view, timed), builds the search index
(timed: every summary embedded once), then runs each command R times in a fresh interpreter:
`precis trends` over the year by week, `precis search` with several queries, and the count-by-week
SQL `precis sql` runs, reporting the median wall time, its spread (min-max) and the peak resident
memory of the process (from wait4), with the load average around the runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COUNT_BY_WEEK = (
    "SELECT date_trunc('week', published) AS week, count(*) AS documents FROM summaries "
    "GROUP BY week ORDER BY week"
)
QUERIES = (
    "storm damage along the coast",
    "quarterly profit forecast",
    "military operated executed",
    "new species discovered",
    "election recount",
)
_SQL = """
import duckdb, sys
connection = duckdb.connect()
connection.execute("ATTACH '" + sys.argv[1] + "' AS source (READ_ONLY)")
connection.execute("CREATE TEMP VIEW summaries AS SELECT * FROM source.summaries")
rows = connection.execute(sys.argv[2]).fetchall()
print(len(rows))
"""
# The query alone, in a process that has loaded the model and opened the index once (a notebook, a
# service): each query's wall seconds, one per line.
_WARM_SEARCH = """
import sys, time
from pathlib import Path
from precis_summarizer.encoder import SentenceEncoder
from precis.analytics.search import search
from precis.analytics.search_index import SearchIndex
from precis.cli.analysis_options import Source, open_summaries
from precis.cli.stack_options import Target
source = Source(Path(sys.argv[1]), Target())
index = SearchIndex(open_summaries(source), Path(sys.argv[2]), SentenceEncoder.load())
for query in sys.argv[3:]:
    started = time.perf_counter()
    index.update()
    search(index, query)
    print(time.perf_counter() - started)
"""
LIMITS = {"trends": 10.0, "search": 1.0, "sql": 2.0}
MEMORY_LIMIT_MIB = 1024


def timed(command: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system, all threads) and peak RSS (MiB) of one command in a
    fresh process. On a busy machine the CPU time says more than the wall time."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"{' '.join(command)} failed: {errors.read().decode(errors='replace')}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def summary(samples: list[tuple[float, float, float]]) -> dict:
    walls = [wall for wall, _, _ in samples]
    cpus = [cpu for _, cpu, _ in samples]
    return {
        "median_s": round(statistics.median(walls), 3),
        "min_s": round(min(walls), 3),
        "max_s": round(max(walls), 3),
        "cpu_median_s": round(statistics.median(cpus), 3),
        "runs": len(walls),
        "peak_mib": round(max(memory for _, _, memory in samples), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("work", type=Path, nargs="?")
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--reuse", action="store_true", help="Keep WORK_DIR's corpus and index (time the commands only)."
    )
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="precis-trends-"))
    found = shutil.which("precis", path=str(Path(sys.executable).parent))
    if found is None:
        raise SystemExit("the precis command is not installed beside this Python")
    precis = [found]
    database = work / "summaries.duckdb"
    index = work / "index"
    report: dict = {"documents": args.documents, "cpus": os.cpu_count(), "load_before": os.getloadavg()}

    if not args.reuse:
        # In a child process, so this one stays small: a child's peak RSS counts its parent's at fork.
        corpus = [sys.executable, str(Path(__file__).with_name("corpus.py")), str(work), "--json"]
        made = subprocess.run([*corpus, "--documents", str(args.documents)], check=True, capture_output=True)
        report.update(json.loads(made.stdout))
        shutil.rmtree(index, ignore_errors=True)
        first_search = [*precis, "search", "warm up", "--duckdb", str(database), "--index", str(index)]
        report["index_build"] = summary([timed(first_search)])
        print(json.dumps(report), file=sys.stderr, flush=True)

    trends = [*precis, "trends", "--duckdb", str(database), "--by", "week"]
    trends += ["--since", "2026-01-05", "--until", "2027-01-04", "--json"]
    report["trends"] = summary([timed(trends) for _ in range(args.runs)])
    print(json.dumps(report), file=sys.stderr, flush=True)
    searches = [
        timed([*precis, "search", query, "--duckdb", str(database), "--index", str(index), "--json"])
        for _ in range(args.runs)
        for query in QUERIES
    ]
    report["search"] = summary(searches)
    print(json.dumps(report), file=sys.stderr, flush=True)  # so far, in case a later step fails
    warm = [sys.executable, "-c", _WARM_SEARCH, str(database), str(index), *(QUERIES * args.runs)]
    latencies = [float(line) for line in subprocess.run(warm, check=True, capture_output=True).stdout.split()]
    report["search_warm"] = {
        "median_s": round(statistics.median(latencies), 3),
        "min_s": round(min(latencies), 3),
        "max_s": round(max(latencies), 3),
        "runs": len(latencies),
    }
    sql = [sys.executable, "-c", _SQL, str(database), COUNT_BY_WEEK]
    report["sql"] = summary([timed(sql) for _ in range(args.runs)])
    print(json.dumps(report), file=sys.stderr, flush=True)
    report["load_after"] = os.getloadavg()
    report["within_limits"] = all(
        report[name]["median_s"] <= limit and report[name]["peak_mib"] <= MEMORY_LIMIT_MIB
        for name, limit in LIMITS.items()
    )
    if args.json:
        print(json.dumps(report, indent=2))
        return
    if not args.reuse:
        build = report["index_build"]
        generated, loaded = report["generate_s"], report["load_s"]
        print(f"{args.documents} summaries in {work}: generated {generated} s, loaded {loaded} s")
        print(f"search index built in {build['median_s']} s, peak {build['peak_mib']} MiB")
    for name in LIMITS:
        item = report[name]
        print(
            f"{name:7} median {item['median_s']:6.2f} s  (min {item['min_s']:.2f}, max {item['max_s']:.2f}, "
            f"{item['runs']} runs)  CPU {item['cpu_median_s']:.2f} s  peak {item['peak_mib']:.0f} MiB  "
            f"limit {LIMITS[name]} s"
        )
    warm = report["search_warm"]
    print(
        f"search in a warm process: median {warm['median_s']:.3f} s, min {warm['min_s']}, max {warm['max_s']}"
    )
    print(f"load average before {report['load_before']}, after {report['load_after']}")


if __name__ == "__main__":
    main()
