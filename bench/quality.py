"""ROUGE and speed of the offline engine against lead-k on the evaluation sets (one core).

Usage: .venv/bin/python bench/quality.py [EVAL_DIR]   (default: ../shared/eval from the repo root)
lead-k takes as many leading sentences as the engine picked for that document (headings skipped).
Speed: docs/s by the wall clock and per CPU-second of this process (steady when other work shares the core).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

from precis_summarizer.extractive import ExtractiveSummarizer
from precis_summarizer.sentences import segment
from rouge_score import rouge_scorer

EVAL_SETS = ("xsum_test", "bbc_news_summary_100", "sumpubmed_long_dev")
METRICS = ("rouge1", "rouge2", "rougeLsum")
_SCORER = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)


def load_set(eval_dir: Path, name: str) -> list[dict]:
    with (eval_dir / f"{name}.jsonl").open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def rouge(reference: str, sentences: list[str]) -> dict[str, float]:
    """F1 x 100; rougeLsum reads one sentence per line on both sides."""
    target = "\n".join(s.text for s in segment(reference))
    scores = _SCORER.score(target, "\n".join(sentences))
    return {m: 100 * scores[m].fmeasure for m in METRICS}


def evaluate(engine: ExtractiveSummarizer, pairs: list[dict]) -> dict[str, dict[str, float]]:
    totals: dict[str, list[dict[str, float]]] = {"engine": [], "lead-k": []}
    seconds: list[float] = []
    cpu_seconds = 0.0
    for pair in pairs:
        started, cpu_started = time.perf_counter(), time.process_time()
        document = segment(pair["article"])
        picked = engine.select(document, len(pair["article"].split()))
        seconds.append(time.perf_counter() - started)
        cpu_seconds += time.process_time() - cpu_started
        lead = [s for s in document if not s.heading][: len(picked)]
        totals["engine"].append(rouge(pair["reference"], [s.text for s in picked]))
        totals["lead-k"].append(rouge(pair["reference"], [s.text for s in lead]))
    table = {
        name: {m: statistics.fmean(r[m] for r in rows) for m in METRICS} for name, rows in totals.items()
    }
    table["engine"]["docs_per_s"] = len(seconds) / sum(seconds)
    table["engine"]["docs_per_cpu_s"] = len(seconds) / cpu_seconds
    table["engine"]["median_ms"] = 1000 * statistics.median(seconds)
    table["engine"]["words"] = statistics.median(len(p["article"].split()) for p in pairs)
    return table


def main() -> None:
    root = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("eval_dir", nargs="?", type=Path, default=root.parent / "shared" / "eval")
    args = parser.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    started = time.perf_counter()
    engine = ExtractiveSummarizer.load()
    print(f"engine load: {1000 * (time.perf_counter() - started):.0f} ms (one core)\n")
    print(
        f"{'set':<22} {'method':<8} {'R1':>6} {'R2':>6} {'RLsum':>6} "
        f"{'docs/s':>7} {'/cpu-s':>7} {'ms/doc':>7} {'words':>6}"
    )
    for name in EVAL_SETS:
        table = evaluate(engine, load_set(args.eval_dir, name))
        for method, row in table.items():
            scores = " ".join(f"{row[m]:6.2f}" for m in METRICS)
            speed = ""
            if "docs_per_s" in row:
                rates = f"{row['docs_per_s']:7.1f} {row['docs_per_cpu_s']:7.1f}"
                speed = f"{rates} {row['median_ms']:7.1f} {row['words']:6.0f}"
            print(f"{name:<22} {method:<8} {scores} {speed}")


if __name__ == "__main__":
    main()
