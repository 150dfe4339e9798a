"""The counting half of trends, in SQL over the `summaries` table: only small aggregates leave the engine.

Each step is one plain SELECT (UNNEST, date_trunc/date_diff, window functions: the dialect DuckDB and
Athena share) kept as a DuckDB temporary table so the next step reads it instead of the copy again
(in Athena each would be a CTAS). A document counts once per term; phrases and names are counted
apart (`kind`), case-folded, shown in their most common spelling.

Scores are weighted log-odds with an informative Dirichlet prior (Monroe, Colaresi and Quinn, 2008):
for a term with n documents out of N term-mentions in the period and b out of B in the trailing
baseline, and a prior a_w = a0 * g_w / G from its share of the whole range,

    delta = ln((n + a) / (N + a0 - n - a)) - ln((b + a) / (B + a0 - b - a)),
    z = delta / sqrt(1 / (n + a) + 1 / (b + a)).

The prior shrinks rare terms towards their usual share, so a phrase seen twice against zero does not
outrank one seen forty times against ten; a minimum support drops the remaining noise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import duckdb

from precis.analytics.periods import Periods

MOMENT = "coalesce(published, submitted_at)"
# |z| a movement needs: about 1 in 100 for a term whose share did not change.
THRESHOLD = 2.33
# A name first seen in a period needs this many documents there to be listed as new.
NEW_MIN_DOCUMENTS = 2
# Storyline candidates per period: terms at least this many times their usual share, most documents first.
DISTINCTIVE_RATIO = 2.0
STORYLINE_CANDIDATES = 40
EXAMPLES = 5
PRIOR_PERIODS = 0.5

Row = tuple  # one result row of a SELECT


@dataclass(frozen=True)
class Scope:
    """Which summaries are counted: a collection (or all) in the periods' range."""

    periods: Periods
    collection: str | None = None

    def where(self, moment_from: bool = True) -> tuple[str, list[object]]:
        """The WHERE clause and its parameters; `moment_from=False` reads all history before the end."""
        clauses = ["status = 'COMPLETED'", f"{MOMENT} < ?"]
        parameters: list[object] = [self.periods.end]
        if moment_from:
            clauses.append(f"{MOMENT} >= ?")
            parameters.append(self.periods.start)
        if self.collection is not None:
            clauses.append("collection = ?")
            parameters.append(self.collection)
        return " AND ".join(clauses), parameters


class TermCounts:
    """Per-period term counts of one scope, materialized once in the connection, then queried."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, scope: Scope) -> None:
        self._db = connection
        self.scope = scope
        self.periods = scope.periods
        where, parameters = scope.where()
        index = self.periods.index_sql(MOMENT)
        # UNNEST in the select list rather than a lateral CROSS JOIN UNNEST: the same rows (none for an
        # empty or NULL list), but DuckDB expands each list in place instead of joining it back to its
        # row, and the lists are read straight from the table, not copied to a temporary one first.
        scoped = f"SELECT {index} AS k, document_id, key_phrases, entities FROM summaries WHERE {where}"
        self._db.execute(
            "CREATE OR REPLACE TEMP TABLE trend_mentions AS "
            "SELECT k, kind, lower(spelling) AS term, document_id, min(spelling) AS spelling FROM ("
            "  SELECT k, 'phrase' AS kind, trim(p) AS spelling, document_id "
            f"  FROM (SELECT k, unnest(key_phrases) AS p, document_id FROM ({scoped}))"
            "  UNION ALL"
            "  SELECT k, 'name' AS kind, trim(p) AS spelling, document_id "
            f"  FROM (SELECT k, unnest(entities).text AS p, document_id FROM ({scoped}))"
            ") WHERE spelling <> '' GROUP BY k, kind, lower(spelling), document_id",
            parameters * 2,
        )
        self._db.execute(
            "CREATE OR REPLACE TEMP TABLE trend_counts AS "
            "SELECT k, kind, term, count(*) AS n, min(spelling) AS spelling FROM trend_mentions "
            "GROUP BY k, kind, term"
        )
        self.documents = self._per_period(
            f"SELECT {index} AS k, count(*) FROM summaries WHERE {where} GROUP BY k", parameters
        )
        self.mentions = self._per_period("SELECT k, sum(n) FROM trend_counts GROUP BY k")

    def _per_period(self, sql: str, parameters: list[object] | None = None) -> list[int]:
        counts = [0] * self.periods.count
        for k, value in self._db.execute(sql, parameters).fetchall():
            if 0 <= k < self.periods.count:
                counts[k] = int(value)
        return counts

    def baseline_mentions(self, k: int) -> int:
        return sum(self.mentions[max(0, k - self.periods.baseline) : k])

    def score(self, min_support: int) -> None:
        """Scores the (term, shown period) pairs that `movements` and `new_names` can report:
        `trend_scored`, with a count now or in its baseline.

        Terms are numbered once (`trend_terms`, with their prior), so the baseline sums and the join
        of now with before compare integers, not strings; and a pair is kept only if it could pass a
        report's support test (documents now, for rising and new; documents expected, for falling).
        Each kept pair's score is the same expression over the same numbers as when every pair was
        scored, so the reports do not change."""
        periods = self.periods
        shifts = ", ".join(f"({s})" for s in range(1, periods.baseline + 1)) or "(1)"
        sizes = [(k, self.mentions[k], self.baseline_mentions(k)) for k in periods.shown]
        sizes = [size for size in sizes if size[2] > 0] or [(-1, 0, 0)]
        values = ", ".join(f"({k}, {n}, {b})" for k, n, b in sizes)
        total = max(1, sum(self.mentions))
        # Half an average period's mentions as the prior's weight: enough to tame counts of 1 or 2.
        alpha0 = max(1.0, PRIOR_PERIODS * total / periods.count)
        first_shown = periods.baseline
        self._db.execute(
            "CREATE OR REPLACE TEMP TABLE trend_terms AS SELECT row_number() OVER ()::INTEGER AS t, kind, "
            f"term, sum(n) AS g, {alpha0} * sum(n) / {total} AS a FROM trend_counts GROUP BY kind, term"
        )
        self._db.execute(
            f"""CREATE OR REPLACE TEMP TABLE trend_scored AS
            WITH series AS (
              SELECT t.t, c.k, c.n FROM trend_counts c
              JOIN trend_terms t ON c.kind = t.kind AND c.term = t.term
            ), baseline AS (
              SELECT c.t, c.k + o.shift AS k, sum(c.n) AS b
              FROM series c CROSS JOIN (VALUES {shifts}) AS o(shift)
              WHERE c.k + o.shift >= {first_shown} AND c.k + o.shift < {periods.count} GROUP BY ALL
            ), pairs AS (
              SELECT coalesce(c.t, b.t) AS t, coalesce(c.k, b.k) AS k,
                     coalesce(c.n, 0) AS n, coalesce(b.b, 0) AS b
              FROM (SELECT * FROM series WHERE k >= {first_shown}) c
              FULL OUTER JOIN baseline b ON c.t = b.t AND c.k = b.k
            ), sizes AS (SELECT * FROM (VALUES {values}) AS s(k, total, base))
            SELECT pr.kind, pr.term, p.k, p.n, p.b, s.total, s.base, pr.a,
              (ln((p.n + pr.a) / greatest(s.total + {alpha0} - p.n - pr.a, 1e-9))
               - ln((p.b + pr.a) / greatest(s.base + {alpha0} - p.b - pr.a, 1e-9)))
              / sqrt(1.0 / (p.n + pr.a) + 1.0 / (p.b + pr.a)) AS z
            FROM pairs p JOIN sizes s ON p.k = s.k JOIN trend_terms pr ON p.t = pr.t
            WHERE p.n >= ? OR p.b * s.total / s.base >= ?""",
            [min(min_support, NEW_MIN_DOCUMENTS), min_support],
        )

    def movements(self, top: int, min_support: int) -> tuple[list[Row], list[Row]]:
        """The `top` rising and falling terms of each shown period: (kind, term, k, z, n, expected)."""
        expected = "b * total / base"
        rising = self._db.execute(
            f"""SELECT kind, term, k, z, n, {expected} FROM (
              SELECT *, row_number() OVER (PARTITION BY k ORDER BY z DESC, term, kind) AS rank
              FROM trend_scored WHERE z >= ? AND n >= ? AND n * base > b * total
            ) WHERE rank <= ? ORDER BY z DESC, k, term, kind""",
            [THRESHOLD, min_support, top],
        ).fetchall()
        falling = self._db.execute(
            f"""SELECT kind, term, k, z, n, {expected} FROM (
              SELECT *, row_number() OVER (PARTITION BY k ORDER BY z, term, kind) AS rank
              FROM trend_scored WHERE z <= ? AND {expected} >= ? AND n * base < b * total
            ) WHERE rank <= ? ORDER BY z, k, term, kind""",
            [-THRESHOLD, min_support, top],
        ).fetchall()
        return rising, falling

    def new_names(self, top: int) -> list[Row]:
        """Names whose first document in the collection's history falls in a shown period (not the
        collection's first period: there everything is new): (kind, term, k, z, n, 0)."""
        where, parameters = self.scope.where(moment_from=False)
        index = self.periods.index_sql(MOMENT)
        return self._db.execute(
            f"""WITH history AS (
              SELECT {index} AS k, entities FROM summaries WHERE {where}
            ), first_seen AS (
              SELECT lower(trim(e.text)) AS term, min(k) AS k
              FROM history CROSS JOIN UNNEST(entities) AS t(e) GROUP BY lower(trim(e.text))
            ), fresh AS (
              SELECT s.kind, s.term, s.k, s.z, s.n, 0 AS expected,
                row_number() OVER (PARTITION BY s.k ORDER BY s.n DESC, s.term) AS rank
              FROM trend_scored s JOIN first_seen f ON s.kind = 'name' AND s.term = f.term AND s.k = f.k
              WHERE s.n >= ? AND f.k > (SELECT min(k) FROM history)
            ) SELECT kind, term, k, z, n, expected FROM fresh WHERE rank <= ? ORDER BY n DESC, k, term""",
            [*parameters, NEW_MIN_DOCUMENTS, top],
        ).fetchall()

    def storyline_postings(self, min_support: int) -> list[Row]:
        """(k, kind, term, document_id, spelling) of each period's distinctive terms, for storylines
        (after `score`, whose `trend_terms` holds each term's total)."""
        total = max(1, sum(self.mentions))
        values = ", ".join(f"({k}, {n})" for k, n in enumerate(self.mentions) if n)
        return self._db.execute(
            f"""WITH sizes AS (SELECT * FROM (VALUES {values or "(-1, 0)"}) AS s(k, total)),
            candidates AS (
              SELECT c.k, c.kind, c.term, c.spelling,
                row_number() OVER (PARTITION BY c.k ORDER BY c.n DESC, c.term, c.kind) AS rank
              FROM trend_counts c JOIN sizes s ON c.k = s.k
              JOIN trend_terms p ON c.kind = p.kind AND c.term = p.term
              WHERE c.k >= ? AND c.n >= ? AND c.n * {total} >= ? * p.g * s.total
            )
            SELECT m.k, m.kind, m.term, m.document_id, c.spelling FROM trend_mentions m
            JOIN candidates c ON m.k = c.k AND m.kind = c.kind AND m.term = c.term
            WHERE c.rank <= ? ORDER BY m.k, m.kind, m.term, m.document_id""",
            [self.periods.baseline, min_support, DISTINCTIVE_RATIO, STORYLINE_CANDIDATES],
        ).fetchall()

    def details(self, items: Iterable[tuple[str, str, int]]) -> dict[tuple[str, str, int], Detail]:
        """Spelling, per-period counts and example documents of chosen (kind, term, period) items."""
        chosen = sorted(set(items))
        if not chosen:
            return {}
        # One statement (three lists unnested side by side), not an INSERT per item.
        kinds, terms, ks = (list(column) for column in zip(*chosen, strict=True))
        self._db.execute(
            "CREATE OR REPLACE TEMP TABLE trend_chosen AS SELECT unnest(?::VARCHAR[]) AS kind, "
            "unnest(?::VARCHAR[]) AS term, unnest(?::BIGINT[]) AS k",
            [kinds, terms, ks],
        )
        counts: dict[tuple[str, str], list[int]] = {}
        spellings: dict[tuple[str, str], str] = {}
        for kind, term, k, n, spelling in self._db.execute(
            "SELECT c.kind, c.term, c.k, c.n, c.spelling FROM trend_counts c "
            "JOIN (SELECT DISTINCT kind, term FROM trend_chosen) t ON c.kind = t.kind AND c.term = t.term "
            "ORDER BY c.k"
        ).fetchall():
            counts.setdefault((kind, term), [0] * self.periods.count)[k] = int(n)
            spellings[(kind, term)] = spelling  # the latest period's spelling wins
        examples: dict[tuple[str, str, int], list[str]] = {}
        for kind, term, k, document in self._db.execute(
            "SELECT kind, term, k, document_id FROM ("
            "  SELECT m.kind, m.term, m.k, m.document_id,"
            "    row_number() OVER (PARTITION BY m.kind, m.term, m.k ORDER BY m.document_id) AS rank"
            "  FROM trend_mentions m JOIN trend_chosen t ON m.kind = t.kind AND m.term = t.term AND m.k = t.k"
            f") WHERE rank <= {EXAMPLES} ORDER BY kind, term, k, document_id"
        ).fetchall():
            examples.setdefault((kind, term, k), []).append(document)
        return {
            (kind, term, k): Detail(
                spelling=spellings.get((kind, term), term),
                counts=tuple(counts.get((kind, term), [0] * self.periods.count)[self.periods.baseline :]),
                documents=tuple(examples.get((kind, term, k), ())),
            )
            for kind, term, k in chosen
        }


@dataclass(frozen=True)
class Detail:
    spelling: str
    counts: tuple[int, ...]  # per shown period
    documents: tuple[str, ...]  # examples in the item's period
