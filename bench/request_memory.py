"""Peak memory and time of one request at the inference script's limits, as an endpoint instance runs it.

Usage: .venv/bin/python bench/request_memory.py [--runs 3] [--concurrency 2] [--instance-gib 16]
Each run is a fresh interpreter: import model/code/inference.py, model_fn, one small warm-up request,
then one request at a limit; the request's peak is the process's peak RSS minus its RSS after the
warm-up (the model and the parsers already loaded). Texts are the sample papers repeated to size.
Last line: whether --concurrency requests at the worst peak fit an instance beside the loaded process.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from precis_summarizer.limits import MAX_BODY_BYTES, MAX_INPUTS, MAX_MARKUP_TAGS

ROOT = Path(__file__).resolve().parents[1]

_ONE_REQUEST = """
import importlib.util, json, resource, sys, tempfile, time
case, size = sys.argv[1], int(sys.argv[2])
spec = importlib.util.spec_from_file_location("inference", {script!r})
inference = importlib.util.module_from_spec(spec)
spec.loader.exec_module(inference)
model = inference.model_fn(tempfile.mkdtemp())
text = open({text!r}, encoding="utf-8").read()
for warm, kind in ((text[:4000], "text/plain"), ("<p>" + text[:4000] + "</p>", "text/html")):
    inference.output_fn(inference.predict_fn(inference.input_fn(warm.encode(), kind), model), None)
loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
repeated = (text * (size // len(text) + 1))
if case == "text":
    body, kind = repeated[:size], "text/plain"
elif case == "html":
    paragraphs = "".join(f"<p>{{p}}</p>" for p in repeated[:size].split("\\n\\n"))
    body, kind = ("<html><body>" + paragraphs + "</body></html>")[:size], "text/html"
elif case == "markdown":
    body, kind = "# A long report\\n\\n" + repeated[:size], "text/markdown"
elif case == "tags":
    body, kind = "<b>a</b> " * ({tags} // 2), "text/html"
else:
    item = repeated[: size // {inputs}]
    while len(json.dumps({{"inputs": [item] * {inputs}}}, ensure_ascii=False).encode()) > size:
        item = item[: len(item) * 99 // 100]
    body, kind = json.dumps({{"inputs": [item] * {inputs}}}, ensure_ascii=False), "application/json"
if case != "inputs":
    body = body.encode()[:size].decode(errors="ignore")  # the limit counts bytes
started = time.perf_counter()
inference.output_fn(inference.predict_fn(inference.input_fn(body.encode(), kind), model), None)
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"loaded_kib": loaded, "peak_kib": peak, "seconds": seconds, "bytes": len(body.encode())}}))
"""

CASES = {
    "text": "plain text at the body limit",
    "html": "HTML paragraphs at the body limit",
    "markdown": "Markdown at the body limit",
    "tags": "HTML at the element limit",
    "inputs": "a JSON inputs list at both limits",
}


def sample_text(directory: Path) -> Path:
    """The sample papers joined (written to a temporary file the child reads)."""
    joined = "\n\n".join(
        path.read_text(encoding="utf-8") for path in sorted((ROOT / "samples").glob("*.txt"))
    )
    target = directory / "samples-joined.txt"
    target.write_text(joined, encoding="utf-8")
    return target


def run(case: str, text: Path) -> dict:
    code = _ONE_REQUEST.format(
        script=str(ROOT / "model" / "code" / "inference.py"),
        text=str(text),
        tags=MAX_MARKUP_TAGS,
        inputs=MAX_INPUTS,
    )
    environment = {key: value for key, value in os.environ.items() if not key.startswith("PRECIS_MODEL")}
    output = subprocess.run(
        [sys.executable, "-c", code, case, str(MAX_BODY_BYTES)],
        check=False,
        capture_output=True,
        text=True,
        env=environment,
    )
    if output.returncode:
        raise SystemExit(f"{case}: the request failed:\n{output.stderr[-2000:]}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=2, help="MaxConcurrentInvocationsPerInstance")
    parser.add_argument(
        "--instance-gib", type=float, default=16.0, help="instance memory (ml.g4dn.xlarge: 16)"
    )
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=list(CASES))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        text = sample_text(Path(directory))
        worst_mib = 0.0
        loaded_mib = 0.0
        for case in args.cases:
            runs = [run(case, text) for _ in range(args.runs)]
            request_mib = statistics.median((r["peak_kib"] - r["loaded_kib"]) / 1024 for r in runs)
            loaded_mib = max(loaded_mib, statistics.median(r["loaded_kib"] / 1024 for r in runs))
            seconds = statistics.median(r["seconds"] for r in runs)
            size = runs[0]["bytes"]
            worst_mib = max(worst_mib, request_mib)
            print(
                f"{CASES[case]:<36} {size / 2**20:5.1f} MiB body: peak +{request_mib:5.0f} MiB per request "
                f"({request_mib * 2**20 / size:4.1f} bytes per byte), {seconds:5.1f} s "
                f"(medians of {args.runs})"
            )
    budget_gib = args.instance_gib
    needed_gib = (loaded_mib + args.concurrency * worst_mib) / 1024
    print(
        f"{args.concurrency} concurrent requests at the worst peak: {needed_gib:.1f} GiB with the loaded "
        f"process ({loaded_mib:.0f} MiB here) of {budget_gib:g} GiB; the rest, "
        f"{budget_gib - needed_gib:.1f} GiB, is for the transformers runtime"
    )


if __name__ == "__main__":
    main()
