"""A synthetic year of stored summaries with realistic phrase distributions, for the analytics benches.

Usage: .venv/bin/python bench/corpus.py OUT_DIR [--documents N] [--seed S]

Every row has the `summaries` table's columns. Words come from the WordLlama tokenizer's English
word pieces (shipped in the wheel); key phrases and names are drawn from Zipf distributions (a few
very common, a long tail of rare ones), as in real news; on top, "events" (a handful of specific
phrases and names that appear together for one to three weeks, some of them big) give storylines and
rising terms. Written as gzip JSON lines, one file per collection and day, in the analytics copy's
layout (`collection=<c>/day=<YYYY-MM-DD>/part-0.json.gz`), plus `load()` to build a DuckDB database
over them (Parquet, like precis.analytics.duck's cache).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
from precis_summarizer.encoder import _shipped_wordllama_files

START = datetime(2026, 1, 5)  # a Monday: 52 whole weeks follow
DAYS = 364
COLLECTIONS = ("news", "research", "filings")
PHRASES = 40_000
NAMES = 12_000
EVENTS = 900
ZIPF_PHRASES = 1.07
ZIPF_NAMES = 1.15
NAME_TYPES = ("ORG", "PERSON", "PLACE", "PRODUCT", "TICKER")
COLUMNS = {
    "document_id": "VARCHAR",
    "title": "VARCHAR",
    "published": "TIMESTAMP",
    "published_source": "VARCHAR",
    "submitted_at": "TIMESTAMP",
    "completed_at": "TIMESTAMP",
    "status": "VARCHAR",
    "words_in": "INTEGER",
    "words_out": "INTEGER",
    "summary": "VARCHAR",
    "key_phrases": "VARCHAR[]",
    "entities": "STRUCT(text VARCHAR, type VARCHAR)[]",
    "source_uri": "VARCHAR",
    "engine": "VARCHAR",
}


@dataclass(frozen=True)
class Event:
    start: int  # day
    days: int
    weight: float  # share of that period's documents
    collection: int
    phrases: tuple[int, ...]
    names: tuple[int, ...]


def english_words() -> list[str]:
    """Whole English-looking words of the WordLlama vocabulary, in its (frequency) order."""
    shipped = _shipped_wordllama_files()
    if shipped is None:
        raise SystemExit("the wordllama wheel's tokenizer is missing")
    vocabulary = json.loads(shipped[1].read_text())["model"]["vocab"]
    return [token[1:] for token in vocabulary if re.fullmatch(r"▁[a-z]{3,12}", token)]


def _zipf_sampler(rng: np.random.Generator, size: int, exponent: float):
    weights = 1.0 / np.arange(1, size + 1) ** exponent
    cumulative = np.cumsum(weights / weights.sum())
    return lambda count: np.minimum(np.searchsorted(cumulative, rng.random(count)), size - 1)


def generate(documents: int, seed: int = 7):
    """Rows (dicts with the table's columns), in publication order."""
    rng = np.random.default_rng(seed)
    words = np.array(english_words())
    common = words[:3000]
    phrases = [" ".join(rng.choice(words, size=rng.integers(1, 4))) for _ in range(PHRASES)]
    names = [" ".join(rng.choice(words, size=rng.integers(1, 3))).title() for _ in range(NAMES)]
    name_types = [NAME_TYPES[i % len(NAME_TYPES)] for i in range(NAMES)]
    phrase_of, name_of = _zipf_sampler(rng, PHRASES, ZIPF_PHRASES), _zipf_sampler(rng, NAMES, ZIPF_NAMES)
    events = [
        Event(
            start=int(rng.integers(0, DAYS - 7)),
            days=int(rng.integers(3, 22)),
            # Chance that a document of its collection and day is about it: 2% typical, a few far bigger.
            weight=float(min(0.5, 0.01 + rng.pareto(1.5) * 0.02)),
            collection=int(rng.integers(0, len(COLLECTIONS))),
            phrases=tuple(int(p) for p in rng.integers(500, PHRASES, size=rng.integers(3, 7))),
            names=tuple(int(n) for n in rng.integers(200, NAMES, size=rng.integers(1, 4))),
        )
        for _ in range(EVENTS)
    ]
    active: dict[tuple[int, int], list[Event]] = defaultdict(list)
    for event in events:
        for day in range(event.start, min(DAYS, event.start + event.days)):
            active[(day, event.collection)].append(event)
    days = np.sort(rng.integers(0, DAYS, size=documents))
    for number, day in enumerate(days):
        collection = int(rng.choice(len(COLLECTIONS), p=(0.6, 0.25, 0.15)))
        chosen = [int(p) for p in phrase_of(int(rng.integers(6, 13)))]
        people = [int(n) for n in name_of(int(rng.integers(1, 5)))]
        for event in active.get((int(day), collection), ()):
            if rng.random() < event.weight:
                chosen = list(event.phrases) + chosen
                people = list(event.names) + people
        key_phrases = list(dict.fromkeys(phrases[p] for p in chosen))[:15]
        entities = [{"text": names[n], "type": name_types[n]} for n in dict.fromkeys(people)][:10]
        filler = rng.choice(common, size=int(rng.integers(40, 80)))
        summary = _summary(key_phrases, [e["text"] for e in entities], filler)
        published = START + timedelta(days=int(day), seconds=int(rng.integers(0, 86400)))
        document_id = hashlib.md5(f"{seed}-{number}".encode()).hexdigest()
        yield {
            "document_id": document_id,
            "collection": COLLECTIONS[collection],
            "title": " ".join(key_phrases[:3]).capitalize(),
            "published": f"{published:%Y-%m-%d %H:%M:%S}",
            "published_source": "json",
            "submitted_at": f"{published + timedelta(hours=2):%Y-%m-%d %H:%M:%S}",
            "completed_at": f"{published + timedelta(hours=2, seconds=40):%Y-%m-%d %H:%M:%S}",
            "status": "COMPLETED",
            "words_in": int(rng.integers(300, 6000)),
            "words_out": len(summary.split()),
            "summary": summary,
            "key_phrases": key_phrases,
            "entities": entities,
            "source_uri": f"s3://precis-in/incoming/{COLLECTIONS[collection]}/{document_id}.txt",
            "engine": "extractive",
        }


def _summary(phrases: list[str], names: list[str], filler: np.ndarray) -> str:
    """Three or four sentences mixing the document's phrases and names into common words."""
    pieces = list(filler)
    for offset, text in enumerate(phrases[:6] + names[:2]):
        pieces.insert((offset * 7) % max(1, len(pieces)), text)
    sentences = [" ".join(pieces[i : i + 20]) for i in range(0, len(pieces), 20)]
    return " ".join(sentence.capitalize() + "." for sentence in sentences)


def write(rows, directory: Path) -> int:
    """Rows as gzip JSON lines, one object per collection and day (the analytics copy's layout)."""
    grouped: dict[tuple[str, str], list[dict]] = defaultdict(list)
    count = 0
    for row in rows:
        grouped[(row["collection"], row["published"][:10])].append(row)
        count += 1
    for (collection, day), members in grouped.items():
        target = directory / f"collection={collection}" / f"day={day}" / "part-0.json.gz"
        target.parent.mkdir(parents=True, exist_ok=True)
        # `collection` is in the path, as in the analytics copy.
        lines = "".join(json.dumps({k: v for k, v in r.items() if k != "collection"}) + "\n" for r in members)
        target.write_bytes(gzip.compress(lines.encode(), mtime=0))
    return count


def load(directory: Path, database: Path) -> None:
    """Converts the JSON lines to one Parquet file per collection and a DuckDB database whose
    `summaries` view reads them (with `collection` from the path, as Athena does)."""
    columns = "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in COLUMNS.items()) + "}"
    parquet = directory / "parquet"
    with duckdb.connect() as connection:
        for folder in sorted(directory.glob("collection=*")):
            target = parquet / folder.name / "part-0.parquet"
            target.parent.mkdir(parents=True, exist_ok=True)
            connection.execute(
                f"COPY (SELECT * FROM read_json('{folder}/day=*/*.json.gz', format = 'newline_delimited', "
                f"columns = {columns}) ORDER BY published) TO '{target}' (FORMAT parquet, COMPRESSION zstd)"
            )
    database.unlink(missing_ok=True)
    with duckdb.connect(str(database)) as connection:
        connection.execute(
            f"CREATE VIEW summaries AS SELECT * FROM read_parquet('{parquet}/collection=*/*.parquet', "
            "hive_partitioning = true)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="Print the counts and timings as JSON.")
    args = parser.parse_args()
    started = time.perf_counter()
    count = write(generate(args.documents, args.seed), args.out)
    generated = time.perf_counter()
    load(args.out, args.out / "summaries.duckdb")
    loaded = time.perf_counter()
    if args.json:
        timings = {"generate_s": round(generated - started, 1), "load_s": round(loaded - generated, 1)}
        print(json.dumps({"documents": count, **timings}))
        return
    print(f"{count} summaries in {args.out}; DuckDB: {args.out / 'summaries.duckdb'}")


if __name__ == "__main__":
    main()
