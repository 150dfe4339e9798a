"""Start-up time and throughput of the offline engine, as the endpoint runs it (one core, medians).

Usage: .venv/bin/python bench/engine_speed.py [EVAL_DIR] [--loads N]
Load: a fresh interpreter imports model/code/inference.py by path and calls model_fn (N times).
Throughput: input_fn + predict_fn + output_fn on the long papers of EVAL_DIR (about 4,000 words each).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "model" / "code" / "inference.py"
LONG_SET = "sumpubmed_long_dev.jsonl"

_LOAD_ONCE = f"""
import importlib.util, sys, tempfile, time
started = time.perf_counter()
spec = importlib.util.spec_from_file_location("inference", {str(SCRIPT)!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
module.model_fn(tempfile.mkdtemp())
print(time.perf_counter() - started, time.process_time())
"""


def one_core() -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def load_seconds(times: int) -> list[tuple[float, float]]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("PRECIS_MODEL")}
    runs = []
    for _ in range(times):
        output = subprocess.run(
            [sys.executable, "-c", _LOAD_ONCE], check=True, capture_output=True, text=True, env=environment
        )
        wall, cpu = output.stdout.split()
        runs.append((float(wall), float(cpu)))
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("eval_dir", nargs="?", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--loads", type=int, default=5)
    args = parser.parse_args()
    one_core()

    loads = load_seconds(args.loads)
    wall_ms = 1000 * statistics.median(wall for wall, _ in loads)
    cpu_ms = 1000 * statistics.median(cpu for _, cpu in loads)
    print(
        f"load (import inference.py + model_fn, fresh process): median {wall_ms:.0f} ms ({cpu_ms:.0f} ms CPU)"
    )

    spec = importlib.util.spec_from_file_location("inference", SCRIPT)
    inference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(inference)
    model = inference.model_fn(tempfile.mkdtemp())
    with (args.eval_dir / LONG_SET).open(encoding="utf-8") as lines:
        articles = [json.loads(line)["article"] for line in lines if line.strip()]
    seconds = []
    cpu_started = time.process_time()
    for article in articles:
        started = time.perf_counter()
        request = inference.input_fn(article.encode("utf-8"), "text/plain")
        inference.output_fn(inference.predict_fn(request, model), "application/json")
        seconds.append(time.perf_counter() - started)
    cpu_seconds = time.process_time() - cpu_started
    words = statistics.median(len(article.split()) for article in articles)
    print(
        f"throughput: {len(articles) / sum(seconds):.1f} docs/s "
        f"({len(articles) / cpu_seconds:.1f} per CPU-second) on {len(articles)} articles "
        f"(median {words:.0f} words), median {1000 * statistics.median(seconds):.1f} ms/doc, one core"
    )


if __name__ == "__main__":
    main()
