"""The search index: word postings for BM25 and a WordLlama vector per summary, kept up to date
incrementally from the `summaries` table.

The index is a directory: `index.duckdb` (documents and postings, attached to the summaries
connection as `search_index`) and `vectors-NNNNNN.npy` segments (float16, one row per document
indexed in that update). `update()` reads only the rows it has not indexed yet (by document id and
completion time, so a re-summarized document is replaced), tokenizes them in SQL and embeds them;
nothing already indexed is read or embedded again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
from precis_summarizer.encoder import SentenceEncoder

SCHEMA = "search_index"
# Words as DuckDB splits them (RE2): the query is split by the same expression, in SQL too.
WORD_SPLIT = r"[^\p{L}\p{N}]+"
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "his",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "she",
        "that",
        "the",
        "their",
        "them",
        "they",
        "this",
        "to",
        "was",
        "we",
        "were",
        "which",
        "who",
        "will",
        "with",
        "would",
        "you",
    ]
)
_EMBED_BATCH = 4096
_MAX_SEGMENTS = 16  # more than this after an update: merged into one
# Vectors converted and multiplied a block at a time: 1,024 rows of 256 float32 (1 MiB) stay in the CPU's
# cache between the two; 16,384 rows did not, and took three times as long.
_SIMILARITY_ROWS = 1_024
UPDATE_MEMORY = "384MB"


@dataclass(frozen=True)
class UpdateReport:
    added: int
    replaced: int
    documents: int


def words_sql(text: str, source: str, *columns: str) -> str:
    """SQL selecting `columns` and each indexable word (`term`: lower-cased, no stopwords) of `text`;
    the index and the query split text with this one expression."""
    stop = ", ".join(f"'{word}'" for word in sorted(STOPWORDS))
    keep = "".join(f"{column}, " for column in columns)
    return (
        f"SELECT {keep}term FROM (SELECT {keep}unnest(regexp_split_to_array(lower({text}), '{WORD_SPLIT}')) "
        f"AS term FROM {source}) WHERE length(term) > 1 AND term NOT IN ({stop})"
    )


def place(segments: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """A document's place in the vectors as one integer: its segment and its row in it."""
    return segments.astype(np.int64) << 32 | rows.astype(np.int64)


def place_sql() -> str:
    """`place` in SQL, over the docs table's columns."""
    return "(segment::BIGINT << 32 | row::BIGINT)"


def document_text(alias: str = "") -> str:
    """What is indexed of a summary: its title, its summary and its key phrases."""
    p = f"{alias}." if alias else ""
    return (
        f"coalesce({p}title, '') || ' ' || coalesce({p}summary, '') || ' ' "
        f"|| coalesce(array_to_string({p}key_phrases, ' '), '')"
    )


class SearchIndex:
    """One index directory attached to a connection that has the `summaries` table or view."""

    def __init__(
        self, connection: duckdb.DuckDBPyConnection, directory: Path, encoder: SentenceEncoder
    ) -> None:
        self.db = connection
        self.directory = directory
        self.encoder = encoder
        directory.mkdir(parents=True, exist_ok=True)
        database = str(directory / "index.duckdb").replace("'", "''")
        self.db.execute(f"ATTACH '{database}' AS {SCHEMA}")
        self.db.execute(
            f"CREATE TABLE IF NOT EXISTS {SCHEMA}.docs (document_id VARCHAR, collection VARCHAR, "
            "title VARCHAR, moment TIMESTAMP, completed_at TIMESTAMP, summary VARCHAR, length INTEGER, "
            "segment INTEGER, row INTEGER)"
        )
        self.db.execute(
            f"CREATE TABLE IF NOT EXISTS {SCHEMA}.postings (term VARCHAR, document_id VARCHAR, tf INTEGER)"
        )
        # The table's row count and latest completion when last indexed: unchanged, nothing to read.
        self.db.execute(f"CREATE TABLE IF NOT EXISTS {SCHEMA}.seen (rows BIGINT, latest TIMESTAMP)")

    def update(self) -> UpdateReport:
        """Indexes the completed summaries not indexed yet (new, or re-summarized since). When the
        table's row count and latest completion are as at the last update (a Parquet copy answers
        both from its metadata), nothing else is read.

        DuckDB may use UPDATE_MEMORY meanwhile and spills the rest below the index directory, so the
        first build of a large index stays within a small machine's memory."""
        spill = str(self.directory / "spill").replace("'", "''")
        self.db.execute(f"SET temp_directory = '{spill}'")
        marks = self.db.execute("SELECT count(*), max(completed_at) FROM summaries").fetchall()[0]
        if self.db.execute(f"SELECT rows, latest FROM {SCHEMA}.seen").fetchall() == [marks]:
            return UpdateReport(0, 0, self._count())
        self.db.execute(f"SET memory_limit = '{UPDATE_MEMORY}'")
        try:
            report = self._update()
        finally:
            self.db.execute("RESET memory_limit")
        self.db.execute(f"DELETE FROM {SCHEMA}.seen")
        self.db.execute(f"INSERT INTO {SCHEMA}.seen VALUES (?, ?)", list(marks))
        return report

    def _update(self) -> UpdateReport:
        self.db.execute(
            f"""CREATE OR REPLACE TEMP TABLE search_new AS
            SELECT s.document_id, s.collection, s.title, coalesce(s.published, s.submitted_at) AS moment,
                   s.completed_at, s.summary, {document_text("s")} AS text
            FROM summaries s
            WHERE s.status = 'COMPLETED' AND NOT EXISTS (
              SELECT 1 FROM {SCHEMA}.docs d
              WHERE d.document_id = s.document_id AND d.completed_at IS NOT DISTINCT FROM s.completed_at
            )
            QUALIFY row_number() OVER (PARTITION BY s.document_id ORDER BY s.completed_at DESC) = 1"""
        )
        new, replaced = self.db.execute(
            "SELECT count(*), count(*) FILTER (WHERE document_id IN "
            f"(SELECT document_id FROM {SCHEMA}.docs)) FROM search_new"
        ).fetchall()[0]
        if not new:
            return UpdateReport(0, 0, self._count())
        segment = self._next_segment()
        self._write_segment(segment, self._embed())
        self.db.execute("BEGIN TRANSACTION")
        for table in ("docs", "postings"):
            self.db.execute(
                f"DELETE FROM {SCHEMA}.{table} WHERE document_id IN (SELECT document_id FROM search_new)"
            )
        self.db.execute(
            f"""INSERT INTO {SCHEMA}.postings
            SELECT term, document_id, count(*)::INTEGER
            FROM ({words_sql("text", "search_new", "document_id")})
            GROUP BY term, document_id
            ORDER BY term"""  # sorted, so a query's terms touch few row groups (DuckDB's zone maps)
        )
        self.db.execute(
            f"""INSERT INTO {SCHEMA}.docs
            SELECT n.document_id, n.collection, n.title, n.moment, n.completed_at, n.summary,
                   coalesce(l.length, 0), {segment}, (row_number() OVER (ORDER BY n.document_id) - 1)::INTEGER
            FROM search_new n LEFT JOIN (
              SELECT document_id, sum(tf)::INTEGER AS length FROM {SCHEMA}.postings
              WHERE document_id IN (SELECT document_id FROM search_new) GROUP BY document_id
            ) l ON l.document_id = n.document_id"""
        )
        self.db.execute("COMMIT")
        if len(self._segments()) > _MAX_SEGMENTS:
            self._compact()
        return UpdateReport(added=new - replaced, replaced=replaced, documents=self._count())

    def similarities(
        self, where: str, parameters: list[object], query: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The places (`place`: segment and row) of the indexed documents matching `where` and their
        vectors' dot product with `query`, a slice of rows at a time (memory stays flat; a whole
        segment is read without gathering). Ids are looked up afterwards for the few places a search
        keeps (`document_ids`), not read as strings for every document."""
        found = self.db.execute(
            f"SELECT segment, row FROM {SCHEMA}.docs WHERE {where} ORDER BY segment, row", parameters
        ).fetchnumpy()
        segments, rows = np.asarray(found["segment"]), np.asarray(found["row"])
        scores = np.empty(len(rows), dtype=np.float32)
        # Sorted by segment, so each segment's rows are one run (np.unique would import numpy.ma, 20 ms).
        bounds = [0, *(np.flatnonzero(np.diff(segments)) + 1).tolist(), len(segments)]
        for first, end in zip(bounds, bounds[1:], strict=False):
            if first == end:
                continue  # nothing matched
            chosen = rows[first:end]
            stored = np.load(self._segment_path(int(segments[first])), mmap_mode="r")
            whole = len(chosen) == len(stored)  # rows are sorted and distinct: all of them, in order
            part = np.empty(len(chosen), dtype=np.float32)
            for low in range(0, len(chosen), _SIMILARITY_ROWS):
                block = (
                    stored[low : low + _SIMILARITY_ROWS]
                    if whole
                    else stored[chosen[low : low + _SIMILARITY_ROWS]]
                )
                part[low : low + _SIMILARITY_ROWS] = block.astype(np.float32) @ query
            scores[first:end] = part
        return place(segments, rows), scores

    def document_ids(self, places: np.ndarray) -> list[str]:
        """The document id at each of `places` (from `similarities`), in their order."""
        found = dict(
            self.db.execute(
                f"SELECT {place_sql()}, document_id FROM {SCHEMA}.docs "
                f"WHERE {place_sql()} IN (SELECT unnest(?::BIGINT[]))",
                [[int(value) for value in places]],
            ).fetchall()
        )
        return [found[int(value)] for value in places]

    def embed_query(self, text: str) -> np.ndarray:
        return self.encoder.encode([text])[0]

    def _embed(self) -> np.ndarray:
        """The new rows' vectors in document id order, read and embedded a batch at a time."""
        cursor = self.db.execute("SELECT text FROM search_new ORDER BY document_id")
        parts = []
        while batch := cursor.fetchmany(_EMBED_BATCH):
            parts.append(self.encoder.encode([text for (text,) in batch]).astype(np.float16))
        return np.concatenate(parts)

    def _count(self) -> int:
        return int(self.db.execute(f"SELECT count(*) FROM {SCHEMA}.docs").fetchall()[0][0])

    def _segments(self) -> list[int]:
        return sorted(int(path.stem.split("-")[1]) for path in self.directory.glob("vectors-*.npy"))

    def _next_segment(self) -> int:
        return max(self._segments(), default=0) + 1

    def _segment_path(self, segment: int) -> Path:
        return self.directory / f"vectors-{segment:06d}.npy"

    def _write_segment(self, segment: int, vectors: np.ndarray) -> None:
        partial = self.directory / f"vectors-{segment:06d}.partial.npy"
        np.save(partial, vectors)
        partial.replace(self._segment_path(segment))

    def _compact(self) -> None:
        """All live vectors into one new segment; the old segments (and rows replaced since) go."""
        found = self.db.execute(f"SELECT segment, row FROM {SCHEMA}.docs ORDER BY segment, row").fetchnumpy()
        segments, rows = np.asarray(found["segment"]), np.asarray(found["row"])
        old = self._segments()
        vectors = np.concatenate(
            [np.load(self._segment_path(number), mmap_mode="r")[rows[segments == number]] for number in old]
        )
        segment = old[-1] + 1
        self._write_segment(segment, vectors)
        # The same order as vectors() read them in.
        self.db.execute(
            f"UPDATE {SCHEMA}.docs SET segment = {segment}, row = o.position FROM ("
            f"  SELECT document_id, (row_number() OVER (ORDER BY segment, row) - 1)::INTEGER AS position"
            f"  FROM {SCHEMA}.docs) o WHERE {SCHEMA}.docs.document_id = o.document_id"
        )
        for number in old:
            self._segment_path(number).unlink()
