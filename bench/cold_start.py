"""Cold-start import cost: each handler module vs a bare `import boto3`, each in a fresh process.

Run: .venv/bin/python bench/cold_start.py [--runs 10]
Prints, per import, the median over fresh processes of the time spent importing (measured inside the
child around the import only, so interpreter start-up is excluded) and its ratio to boto3: CPU time
(what the import costs; steady on a busy shared machine) and wall time. Target: handler ≤ 1.25 × boto3.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The child imports as Lambda does: the handler file by path, under a module name of its own.
TIMED_IMPORT = """
import importlib.util, sys, time
wall, cpu = time.perf_counter(), time.process_time()
{body}
print((time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000)
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


def time_once(body: str) -> tuple[float, float]:
    """(CPU ms, wall ms) of one import in a fresh process."""
    code = TIMED_IMPORT.format(body=body)
    env = {"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1"}
    if "PYTHONPATH" in os.environ:  # e.g. PYTHONPATH=layers/core with an interpreter that lacks precis_core
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    cpu, wall = out.stdout.strip().splitlines()[-1].split()
    return float(cpu), float(wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    bodies = cases()
    for body in bodies.values():
        time_once(body)  # warm the bytecode cache, as a deployed package would be
    samples: dict[str, list[tuple[float, float]]] = {label: [] for label in bodies}
    # Round-robin, so a burst of load on this shared machine hits every case alike.
    for _ in range(args.runs):
        for label, body in bodies.items():
            samples[label].append(time_once(body))
    cpu = {label: statistics.median(c for c, _ in times) for label, times in samples.items()}
    wall = {label: statistics.median(w for _, w in times) for label, times in samples.items()}
    print(f"python {sys.version.split()[0]}, median of {args.runs} fresh processes each")
    print(f"{'import':<26}{'CPU ms':>9}{'× boto3':>9}{'wall ms':>10}{'× boto3':>9}")
    for label in bodies:
        cpu_ratio, wall_ratio = cpu[label] / cpu["import boto3"], wall[label] / wall["import boto3"]
        print(f"{label:<26}{cpu[label]:>9.1f}{cpu_ratio:>9.2f}{wall[label]:>10.1f}{wall_ratio:>9.2f}")


if __name__ == "__main__":
    main()
