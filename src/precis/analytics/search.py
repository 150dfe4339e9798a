"""Hybrid search over the summaries: BM25 over words (in SQL, on the index's postings) and cosine
similarity of WordLlama vectors (in numpy), blended half and half.

BM25 finds the words the user typed; the vectors find a summary that says the same thing in other
words. Each part is scaled to [0, 1] before blending: BM25 by the best match's score, similarity from
the collection's median (a typical unrelated summary: 0) to the best match (1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from precis.analytics.search_index import SCHEMA, SearchIndex, words_sql

DEFAULT_LIMIT = 10
CANDIDATES = 200  # from each side, before blending
WORDS_WEIGHT = 0.5
_K1, _B = 1.2, 0.75
SNIPPET_CHARACTERS = 160
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Hit:
    document_id: str
    title: str
    published: datetime | None
    collection: str
    score: float
    snippet: str


def search(
    index: SearchIndex,
    query: str,
    collection: str | None = None,
    since: datetime | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[Hit]:
    """The best `limit` summaries for `query`, best first (ties by document id)."""
    where, parameters = _scope(collection, since)
    words = _bm25(index, query, where, parameters)
    meaning = _similarity(index, query, where, parameters)
    scores: dict[str, float] = {}
    for document, value in words.items():
        scores[document] = WORDS_WEIGHT * value
    for document, value in meaning.items():
        scores[document] = scores.get(document, 0.0) + (1 - WORDS_WEIGHT) * value
    best = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return _hits(index, best, query)


def _scope(collection: str | None, since: datetime | None) -> tuple[str, list[object]]:
    clauses: list[str] = ["true"]
    parameters: list[object] = []
    if collection is not None:
        clauses.append("collection = ?")
        parameters.append(collection)
    if since is not None:
        clauses.append("moment >= ?")
        parameters.append(since)
    return " AND ".join(clauses), parameters


def _bm25(index: SearchIndex, query: str, where: str, parameters: list[object]) -> dict[str, float]:
    """Okapi BM25 of the query's words, each scaled by the best score: {document: [0, 1]}."""
    split = words_sql("?", "(SELECT 1)")
    terms = [term for (term,) in index.db.execute(f"SELECT DISTINCT term FROM ({split})", [query]).fetchall()]
    if not terms:
        return {}
    marks = ", ".join("?" for _ in terms)
    rows = index.db.execute(
        f"""WITH scope AS (SELECT document_id, length FROM {SCHEMA}.docs WHERE {where}),
        stats AS (SELECT count(*) AS n, greatest(avg(length), 1) AS average FROM scope),
        matches AS (
          SELECT p.term, p.document_id, p.tf, s.length FROM {SCHEMA}.postings p
          JOIN scope s ON p.document_id = s.document_id WHERE p.term IN ({marks})
        ), df AS (SELECT term, count(*) AS df FROM matches GROUP BY term)
        SELECT m.document_id,
          sum(ln(1 + (stats.n - df.df + 0.5) / (df.df + 0.5))
              * m.tf * {_K1 + 1} / (m.tf + {_K1} * (1 - {_B} + {_B} * m.length / stats.average))) AS score
        FROM matches m JOIN df ON m.term = df.term CROSS JOIN stats
        GROUP BY m.document_id ORDER BY score DESC, m.document_id LIMIT {CANDIDATES}""",
        [*parameters, *terms],
    ).fetchall()
    if not rows:
        return {}
    best = float(rows[0][1]) or 1.0
    return {document: float(score) / best for document, score in rows}


def _similarity(index: SearchIndex, query: str, where: str, parameters: list[object]) -> dict[str, float]:
    """Cosine to the query, scaled from the scope's median (0) to its best (1): {document: [0, 1]}."""
    places, cosine = index.similarities(where, parameters, index.embed_query(query))
    if not len(places):
        return {}
    floor, top = _median(cosine), float(cosine.max())
    if top <= floor:
        return {}
    count = min(CANDIDATES, len(places))
    chosen = np.argpartition(-cosine, count - 1)[:count]
    ids = index.document_ids(places[chosen])
    return {ids[n]: max(0.0, (float(cosine[i]) - floor) / (top - floor)) for n, i in enumerate(chosen)}


def _median(values: np.ndarray) -> float:
    """np.median of a non-empty 1-d array without NaNs, the same value (the middle one, or the mean of
    the middle two, after the same partition): np.median's NaN check imports numpy.ma, 20 ms a search."""
    half = len(values) // 2
    first = half if len(values) % 2 else half - 1
    middle = np.partition(values, sorted({first, half}))[first : half + 1]
    return float(np.mean(middle))


def _hits(index: SearchIndex, best: list[tuple[str, float]], query: str) -> list[Hit]:
    if not best:
        return []
    marks = ", ".join("?" for _ in best)
    rows = index.db.execute(
        f"SELECT document_id, coalesce(title, ''), moment, coalesce(collection, ''), coalesce(summary, '') "
        f"FROM {SCHEMA}.docs WHERE document_id IN ({marks})",
        [document for document, _ in best],
    ).fetchall()
    found = {row[0]: row for row in rows}
    query_words = set(re.findall(r"\w+", query.lower()))
    return [
        Hit(
            document_id=document,
            title=found[document][1],
            published=found[document][2],
            collection=found[document][3],
            score=round(score, 4),
            snippet=snippet(found[document][4], query_words),
        )
        for document, score in best
        if document in found
    ]


def snippet(summary: str, query_words: set[str], width: int = SNIPPET_CHARACTERS) -> str:
    """The summary's sentence sharing most words with the query (the first on ties), cut to `width`."""
    sentences = [s for s in _SENTENCE_END.split(" ".join(summary.split())) if s] or [""]
    best = max(sentences, key=lambda s: len(query_words & set(re.findall(r"\w+", s.lower()))))
    if len(best) <= width:
        return best
    return best[:width].rsplit(" ", 1)[0] + "…"
