"""Cold-start import cost: each handler module vs a bare `import boto3`, each in a fresh process.

Run: .venv/bin/python bench/cold_start.py [--runs 10]
Prints the median import time of each (milliseconds, measured inside the child around the import
only, so interpreter start-up is excluded) and its ratio to boto3. Target: handler ≤ 1.25 × boto3.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The child imports as Lambda does: the handler file by path, under a module name of its own.
TIMED_IMPORT = """
import importlib.util, sys, time
start = time.perf_counter()
{body}
print((time.perf_counter() - start) * 1000)
"""
BARE_BOTO3 = "import boto3"
HANDLER = (
    "spec = importlib.util.spec_from_file_location('app', {path!r})\n"
    "module = importlib.util.module_from_spec(spec)\n"
    "spec.loader.exec_module(module)"
)


def cases() -> dict[str, str]:
    found = {"import boto3": BARE_BOTO3}
    for name in ("submit", "record"):
        found[f"functions/{name}/app.py"] = HANDLER.format(path=str(ROOT / "functions" / name / "app.py"))
    return found


def time_once(body: str) -> float:
    code = TIMED_IMPORT.format(body=body)
    env = {"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1", "PYTHONDONTWRITEBYTECODE": "0"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    bodies = cases()
    for body in bodies.values():
        time_once(body)  # warm the bytecode cache, as a deployed package would be
    samples: dict[str, list[float]] = {label: [] for label in bodies}
    # Round-robin, so a burst of load on this shared machine hits every case alike.
    for _ in range(args.runs):
        for label, body in bodies.items():
            samples[label].append(time_once(body))
    medians = {label: statistics.median(times) for label, times in samples.items()}
    base = medians["import boto3"]
    print(f"python {sys.version.split()[0]}, median of {args.runs} fresh processes each")
    print(f"{'import':<28}{'median ms':>10}{'× boto3':>10}")
    for label, median in medians.items():
        print(f"{label:<28}{median:>10.1f}{median / base:>10.2f}")


if __name__ == "__main__":
    main()
