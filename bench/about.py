"""What the key phrases and named things add to the offline engine's time per article (one core).

Usage: .venv/bin/python bench/about.py [EVAL_DIR] [--runs N] [--papers N]
For each sample article (samples/) and the long papers of EVAL_DIR (if given and present), times the
extractive engine's whole `summarize` (which includes them) and the two extractors alone on the same
sentences, turn about, keeping the fastest of each, and prints what they add to the summary alone.
The issue's budget: at most 20% added.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

from precis_summarizer.extractive import ExtractiveSummarizer
from precis_summarizer.result import about
from precis_summarizer.sentences import segment

from precis.samples import plain_text, sample_files

ROOT = Path(__file__).resolve().parents[1]
LONG_SET = "sumpubmed_long_dev.jsonl"


def texts(eval_dir: Path, papers: int) -> list[tuple[str, str]]:
    """The samples, and the first long papers of EVAL_DIR when it is there."""
    found = [(path.name, plain_text(path)) for path in sample_files()]
    long_set = eval_dir / LONG_SET
    if long_set.is_file():
        lines = long_set.read_text(encoding="utf-8").splitlines()[:papers]
        found += [(f"{LONG_SET}#{n}", json.loads(line)["article"]) for n, line in enumerate(lines)]
    return found


def interleaved_ms(first, second, runs: int) -> tuple[float, float]:
    """The fastest of `runs` timings of each, taken turn about, so both meet the same machine load (the
    fastest run is the one least disturbed by other processes on a shared machine)."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for action, kept in ((first, times[0]), (second, times[1])):
            started = time.perf_counter()
            action()
            kept.append((time.perf_counter() - started) * 1000)
    return min(times[0]), min(times[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("eval_dir", nargs="?", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--papers", type=int, default=10)
    args = parser.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    engine = ExtractiveSummarizer.load()
    rows = []
    for name, text in texts(args.eval_dir, args.papers):
        sentences = [s.text for s in segment(text)]
        engine.summarize(text)  # warm the word cache, as a running endpoint has it
        whole, extra = interleaved_ms(
            lambda text=text: engine.summarize(text), lambda s=sentences: about(s), args.runs
        )
        rows.append((name, len(text.split()), whole, extra))
        print(
            f"{name:48} {len(text.split()):6} words  engine {whole:7.1f} ms  of which phrases+names "
            f"{extra:6.1f} ms  = +{100 * extra / max(whole - extra, 1e-9):4.1f}% over the summary alone"
        )
    added = [100 * extra / (whole - extra) for _, _, whole, extra in rows]
    print(f"added: median +{statistics.median(added):.1f}%, max +{max(added):.1f}% ({len(rows)} articles)")


if __name__ == "__main__":
    main()
