"""ROUGE and speed of the offline engine against lead-k and lead-3 on evaluation sets (one core).

Usage: .venv/bin/python bench/quality.py [EVAL_DIR] [--sets NAME ...]
EVAL_DIR (default ../shared/eval from the repo root) holds JSON Lines sets of {"id", "article", "reference"};
every *.jsonl there is measured unless --sets names some. lead-k takes as many leading sentences as the
engine picked for that document, lead-3 three (headings skipped in both). Each set is also split in two
halves by a hash of the id: the engine's weights were tuned on the "tune" half only, so the "held-out"
half shows whether that tuning carries over. Speed: docs/s by the wall clock and per CPU-second of this
process (steady when other work shares the core). The engine's ROUGE-1 difference from each baseline is
paired over articles: its mean, standard error, 95% bootstrap interval, the share of resamples in which the
engine is not ahead, and the number of ties (mostly articles given exactly the baseline's sentences).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import time
from pathlib import Path

import numpy as np
from precis_summarizer.extractive import ExtractiveSummarizer
from precis_summarizer.sentences import segment
from rouge_score import rouge_scorer

METRICS = ("rouge1", "rouge2", "rougeLsum")
METHODS = ("engine", "lead-k", "lead-3")
PARTS = ("tune", "held-out")
BASELINES = ("lead-3", "lead-k")
BOOTSTRAP_RESAMPLES = 10_000
_SCORER = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)


def load_set(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def part_of(pair: dict) -> str:
    """The half a document belongs to, stable across runs and machines."""
    digest = hashlib.sha1(str(pair["id"]).encode("utf-8")).digest()
    return PARTS[digest[-1] % 2]


def rouge(reference: str, sentences: list[str]) -> dict[str, float]:
    """F1 x 100; rougeLsum reads one sentence per line on both sides."""
    target = "\n".join(s.text for s in segment(reference))
    scores = _SCORER.score(target, "\n".join(sentences))
    return {m: 100 * scores[m].fmeasure for m in METRICS}


def paired(differences: list[float], seed: int = 0) -> dict[str, float]:
    """Mean of per-article differences, its standard error, a 95% bootstrap interval and P(mean <= 0)."""
    values = np.asarray(differences, dtype=float)
    draws = np.random.default_rng(seed).choice(values, size=(BOOTSTRAP_RESAMPLES, len(values)))
    resampled = draws.mean(axis=1)
    low, high = np.percentile(resampled, [2.5, 97.5])
    spread = values.std(ddof=1) / np.sqrt(len(values)) if len(values) > 1 else 0.0
    return {
        "mean": float(values.mean()),
        "se": float(spread),
        "low": float(low),
        "high": float(high),
        "not_ahead": float((resampled <= 0).mean()),
        "ties": int((values == 0).sum()),
    }


def evaluate(engine: ExtractiveSummarizer, pairs: list[dict]) -> dict:
    """Per method, part ("all", "tune", "held-out") and metric: the mean score; the engine's ROUGE-1 against
    each baseline, paired over articles; and the engine's speed."""
    scores: dict[str, list[tuple[str, dict[str, float]]]] = {method: [] for method in METHODS}
    seconds: list[float] = []
    cpu_seconds = 0.0
    for pair in pairs:
        started, cpu_started = time.perf_counter(), time.process_time()
        document = segment(pair["article"])
        picked = engine.select(document, len(pair["article"].split()))
        seconds.append(time.perf_counter() - started)
        cpu_seconds += time.process_time() - cpu_started
        body = [s.text for s in document if not s.heading]
        part = part_of(pair)
        scores["engine"].append((part, rouge(pair["reference"], [s.text for s in picked])))
        scores["lead-k"].append((part, rouge(pair["reference"], body[: len(picked)])))
        scores["lead-3"].append((part, rouge(pair["reference"], body[:3])))
    table = {
        method: {
            part: {m: statistics.fmean(r[m] for p, r in rows if part in ("all", p)) for m in METRICS}
            for part in ("all", *PARTS)
            if any(part in ("all", p) for p, _ in rows)
        }
        for method, rows in scores.items()
    }
    table["versus"] = {
        baseline: {
            part: paired(
                [
                    mine["rouge1"] - theirs["rouge1"]
                    for (p, mine), (_, theirs) in zip(scores["engine"], scores[baseline], strict=True)
                    if part in ("all", p)
                ]
            )
            for part in table["engine"]
        }
        for baseline in BASELINES
    }
    table["sizes"] = {part: sum(part_of(pair) == part for pair in pairs) for part in PARTS}
    table["speed"] = {
        "docs_per_s": len(seconds) / sum(seconds),
        "docs_per_cpu_s": len(seconds) / cpu_seconds,
        "median_ms": 1000 * statistics.median(seconds),
        "words": statistics.median(len(p["article"].split()) for p in pairs),
    }
    return table


def print_table(results: dict[str, dict]) -> None:
    print(
        f"{'set':<24} {'method':<7} {'R1':>6} {'R2':>6} {'RLsum':>6} "
        f"{'docs/s':>7} {'/cpu-s':>7} {'ms/doc':>7} {'words':>6}"
    )
    for name, table in results.items():
        for method in METHODS:
            row = table[method]["all"]
            scores = " ".join(f"{row[m]:6.2f}" for m in METRICS)
            speed = ""
            if method == "engine":
                s = table["speed"]
                rates = f"{s['docs_per_s']:7.1f} {s['docs_per_cpu_s']:7.1f}"
                speed = f"{rates} {s['median_ms']:7.1f} {s['words']:6.0f}"
            print(f"{name:<24} {method:<7} {scores} {speed}")
    print("\nROUGE-1 by half (engine / lead-k / lead-3):")
    for name, table in results.items():
        halves = []
        for part in PARTS:
            if part in table["engine"]:
                r1 = " / ".join(f"{table[method][part]['rouge1']:.2f}" for method in METHODS)
                halves.append(f"{part} ({table['sizes'][part]}) {r1}")
        print(f"  {name:<24} " + "   ".join(halves))
    for baseline in BASELINES:
        print(
            f"\nROUGE-1 engine - {baseline}, paired over articles: mean ± standard error, "
            "95% bootstrap interval, P(engine not ahead), ties:"
        )
        for name, table in results.items():
            for part, d in table["versus"][baseline].items():
                size = sum(table["sizes"].values()) if part == "all" else table["sizes"][part]
                print(
                    f"  {name:<24} {part + f' ({size})':<15} {d['mean']:+6.2f} ± {d['se']:.2f}  "
                    f"[{d['low']:+6.2f}, {d['high']:+6.2f}]  P {d['not_ahead']:.3f}  ties {d['ties']}"
                )


def main() -> None:
    root = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("eval_dir", nargs="?", type=Path, default=root.parent / "shared" / "eval")
    parser.add_argument("--sets", nargs="+", metavar="NAME", help="set names (file stems) to measure")
    args = parser.parse_args()
    paths = sorted(args.eval_dir.glob("*.jsonl"))
    if args.sets:
        paths = [args.eval_dir / f"{name}.jsonl" for name in args.sets]
    if not paths:
        parser.error(f"no *.jsonl sets in {args.eval_dir}")
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    started = time.perf_counter()
    engine = ExtractiveSummarizer.load()
    print(f"engine load: {1000 * (time.perf_counter() - started):.0f} ms (one core)\n")
    print_table({path.stem: evaluate(engine, load_set(path)) for path in paths})


if __name__ == "__main__":
    main()
