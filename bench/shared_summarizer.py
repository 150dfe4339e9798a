"""Two requests at once on one transformers summarizer: what its tokenizer lock costs.

An instance of the local endpoint runs MaxConcurrentInvocationsPerInstance invocations on one loaded
summarizer; its tokenizer takes one call at a time (precis_summarizer.seq2seq.SharedTokenizer), while
generate() runs unlocked. This times news-length articles through a random-weight PEGASUS built here
(precis.random_pegasus; no download) three ways: one thread; two threads sharing one summarizer (the
lock); two threads with a summarizer each (the alternative: a model per concurrency slot, which costs a
second copy of the weights, also printed). Medians over --runs, with the spread.

    .venv/bin/python bench/shared_summarizer.py [--articles 24] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

from precis import random_pegasus
from precis.local.process_tree import process_tree_rss
from precis.samples import passages

# Wide enough that generate() dominates a request, as in a real model; small enough to build in seconds.
SHAPE = random_pegasus.Shape(
    positions=512, width=256, layers=3, heads=4, feed_forward=1024, max_length=48, min_length=40
)


def articles(count: int) -> list[str]:
    """`count` news-length texts (400+ words) cut from the bundled samples, cycled."""
    pieces = [text for _, text in passages()]
    return [pieces[i % len(pieces)] for i in range(count)]


def throughput(summarizers: list, threads: int, texts: list[str]) -> float:
    """Articles/s with `threads` threads taking texts in turn, thread k using summarizers[k % len]."""
    errors: list[Exception] = []

    def work(k: int) -> None:
        for text in texts[k::threads]:
            try:
                summarizers[k % len(summarizers)].summarize(text)
            except Exception as error:  # noqa: BLE001 - counted and reported, the run goes on
                errors.append(error)

    started = time.perf_counter()
    workers = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if errors:
        raise RuntimeError(f"{len(errors)} requests failed, e.g. {errors[0]!r}")
    return len(texts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=24)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    import torch
    from precis_summarizer.engine import load_summarizer

    torch.set_num_threads(1)  # one core per request, as two slots on this 2-core machine would get
    os.environ["HF_HUB_OFFLINE"] = "1"
    texts = articles(args.articles)
    with tempfile.TemporaryDirectory() as directory:
        model_dir = random_pegasus.build(Path(directory), "\n".join(articles(40)), SHAPE)
        shared = load_summarizer(model_dir)
        before = process_tree_rss(os.getpid())
        second = load_summarizer(model_dir)
        extra_mib = (process_tree_rss(os.getpid()) - before) / 2**20
        modes = {
            "one thread": ([shared], 1),
            "two threads, one summarizer (lock)": ([shared], 2),
            "two threads, a summarizer each": ([shared, second], 2),
        }
        results: dict[str, list[float]] = {name: [] for name in modes}
        for _ in range(args.runs):
            for name, (summarizers, threads) in modes.items():
                results[name].append(throughput(summarizers, threads, texts))
    print(f"{args.articles} articles x {args.runs} runs, random PEGASUS {SHAPE}")
    for name, rates in results.items():
        print(f"  {name:<36} {statistics.median(rates):6.2f} articles/s ({min(rates):.2f}-{max(rates):.2f})")
    print(f"a second summarizer costs {extra_mib:.0f} MiB; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
