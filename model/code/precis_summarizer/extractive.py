"""The offline engine: picks the sentences closest to the document's centroid, favouring early ones.

Sentence vectors are WordLlama token embeddings (shipped inside the wordllama wheel, so nothing is
downloaded) averaged with inverse-sentence-frequency weights. Each sentence scores its cosine to the
document centroid plus a bonus for opening its section (papers state each section's point first) and
one for standing in a section its heading names a summary (abstract, key points, conclusions, ...).
News (short texts, and long ones that often quote people) also gets a lead-position bonus and a
penalty for long sentences, whose averaged vectors sit closer to any centroid; it gets NEWS_SENTENCES,
other long texts a word budget that grows with them. A redundancy penalty keeps near-duplicates out,
and fragments (labels, table cells, lead-ins to a list) are never picked while a sentence is left.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from precis_summarizer.deadline import NO_DEADLINE, Deadline
from precis_summarizer.encoder import WORDLLAMA_CONFIG, SentenceEncoder
from precis_summarizer.request import Parameters
from precis_summarizer.result import Summary
from precis_summarizer.sentences import Sentence, segment
from precis_summarizer.words import count_words, first_words, joined

MODEL_NAME = f"precis-extractive/wordllama-{WORDLLAMA_CONFIG}-256"
NEWS_SENTENCES = 3
# Word ceilings for whatever the text holds (one endless sentence, a 10 MB "word"): news-length picks,
# and picks by sentence count (PARAMETER_LIMITS' max_length; the summary is never longer).
NEWS_MAX_WORDS = 150
MAX_SUMMARY_WORDS = 1024
_SHORT_DOCUMENT_WORDS = 1200
# "Scroll down for video.": too short to carry a summary's facts, yet the news length penalty favours it.
_MIN_SENTENCE_WORDS = 6
_MIN_UNPUNCTUATED_WORDS = 10
# Reported speech: double or curly quotes, a single quote opening a word, or a verb of saying (substring
# tests: a regex over every sentence of a long paper cost 2 ms).
_SPEECH_MARKS = ('"', "“", "”", "‘", " '", "said", "says", "told")
_SUMMARY_HEADING = re.compile(
    r"^(?:\d+(?:\.\d+)*\.?\s+)?(?:abstract|summary|executive summary|key points|key findings|highlights"
    r"|in brief|at a glance|overview|conclusions?|bottom line)\b",
    re.IGNORECASE,
)
# From Devanagari on, scripts end sentences with their own marks (।, 。) or none (Thai): no "." added.
_NO_FULL_STOP = "\u0900"
_CLOSING = tuple(".!?…\"'”’")


@dataclass(frozen=True)
class Scoring:
    """How sentences are ranked; tuned with bench/quality.py on the "tune" half of xsum_test,
    bbc_news_summary_100 and sumpubmed_long_dev only (the other half is held out)."""

    news_position_weight: float = 0.4
    long_position_weight: float = 0.0
    position_decay: float = 0.3
    section_weight: float = 0.2
    summary_section_weight: float = 0.2
    news_length_penalty: float = 0.1
    news_quoting_share: float = 0.2
    idf: bool = True
    redundancy: float = 0.4
    long_budget_ratio: float = 0.068
    long_budget_min_words: int = 120
    long_budget_max_words: int = 400


def default_word_budget(words_in: int, scoring: Scoring = Scoring()) -> int | None:
    """None for news-length text (pick NEWS_SENTENCES), else a word budget that grows with the document."""
    if words_in <= _SHORT_DOCUMENT_WORDS:
        return None
    budget = round(words_in * scoring.long_budget_ratio)
    return max(scoring.long_budget_min_words, min(scoring.long_budget_max_words, budget))


def reads_like_news(document: list[Sentence], words_in: int, scoring: Scoring = Scoring()) -> bool:
    """Short texts, and long ones that quote people often (papers and reports seldom do)."""
    if words_in <= _SHORT_DOCUMENT_WORDS:
        return True
    body = [s for s in document if not s.heading]
    quoting = sum(_quotes_someone(s.text) for s in body)
    return bool(body) and quoting >= scoring.news_quoting_share * len(body)


def _quotes_someone(text: str) -> bool:
    return text.startswith("'") or any(mark in text for mark in _SPEECH_MARKS)


class ExtractiveSummarizer:
    """Summarizes any text offline; loaded once per endpoint instance."""

    engine: Literal["extractive", "transformers"] = "extractive"  # the Engine protocol's type
    model_name = MODEL_NAME

    def __init__(self, encoder: SentenceEncoder, scoring: Scoring = Scoring()) -> None:
        self._encoder = encoder
        self.scoring = scoring

    @classmethod
    def load(cls) -> ExtractiveSummarizer:
        segment("Loads the sentence model now, not on the first request.")
        return cls(SentenceEncoder.load())

    def summarize(
        self, text: str, parameters: Parameters | None = None, deadline: Deadline = NO_DEADLINE
    ) -> Summary:
        """Picks whole sentences, in document order, within the request's budget or the default one.

        Lengths count words here: `max_length` and `target_words` cap the summary, `min_length` asks
        for at least that many words, `sentences` fixes the count; `num_beams` has no meaning here.
        """
        started = time.perf_counter()
        parameters = parameters or Parameters()
        caps = [cap for cap in (parameters.max_length, parameters.target_words) if cap is not None]
        words_in = count_words(text)
        document = segment(text)
        deadline.check("splitting sentences")
        picked = self.select(
            document,
            words_in,
            sentences=parameters.sentences,
            max_words=min(caps) if caps else None,
            min_words=parameters.min_length or 0,
            deadline=deadline,
        )
        summary = joined([_closed(s.text) for s in picked])
        return Summary.timed(
            summary,
            source=text,
            by=self,
            chunks=1 if words_in else 0,
            started=started,
            words_in=words_in,
            sentences=[s.text for s in document],
        )

    def select(
        self,
        document: list[Sentence],
        words_in: int,
        *,
        sentences: int | None = None,
        max_words: int | None = None,
        min_words: int = 0,
        deadline: Deadline = NO_DEADLINE,
    ) -> list[Sentence]:
        candidates = [s for s in document if not s.heading]
        if not candidates:
            candidates = document
        if not candidates:
            return []
        news = reads_like_news(document, words_in, self.scoring)
        if sentences is None and max_words is None:
            if news:
                sentences, max_words = NEWS_SENTENCES, max(NEWS_MAX_WORDS, min_words)
            else:
                max_words = default_word_budget(max(words_in, _SHORT_DOCUMENT_WORDS + 1), self.scoring)
        max_words = MAX_SUMMARY_WORDS if max_words is None else max_words
        summaries = {s.section for s in document if s.heading and _SUMMARY_HEADING.match(s.text)}
        scores, vectors = self._scores(candidates, news=news, summary_sections=summaries)
        deadline.check("scoring sentences")
        usable = np.array([not _fragment(s) for s in candidates])
        usable |= not usable.any()
        order = self._greedy(candidates, scores, vectors, usable, sentences, max_words, min_words, deadline)
        if not order:
            return [_clipped(candidates[int(np.argmax(scores))], max_words)]
        return [candidates[i] for i in sorted(order)]

    def _scores(
        self, candidates: list[Sentence], news: bool, summary_sections: set[int]
    ) -> tuple[np.ndarray, np.ndarray]:
        vectors = self._encoder.encode([s.text for s in candidates], idf=self.scoring.idf)
        centroid = vectors.mean(axis=0)
        centroid /= max(float(np.linalg.norm(centroid)), 1e-9)
        rank = np.arange(len(candidates), dtype=np.float32)
        decay = self.scoring.position_decay
        weight = self.scoring.news_position_weight if news else self.scoring.long_position_weight
        scores = vectors @ centroid + weight / (1.0 + decay * rank)
        if self.scoring.section_weight:
            scores += self.scoring.section_weight / (1.0 + decay * _rank_in_section(candidates))
        if summary_sections:
            scores += self.scoring.summary_section_weight * np.array(
                [s.section in summary_sections for s in candidates]
            )
        if news and self.scoring.news_length_penalty:
            lengths = np.array([max(s.words, 1) for s in candidates], dtype=np.float32)
            scores -= self.scoring.news_length_penalty * np.log(lengths / np.median(lengths))
        return scores, vectors

    def _greedy(
        self,
        candidates: list[Sentence],
        scores: np.ndarray,
        vectors: np.ndarray,
        usable: np.ndarray,
        sentences: int | None,
        max_words: int | None,
        min_words: int,
        deadline: Deadline = NO_DEADLINE,
    ) -> list[int]:
        chosen: list[int] = []
        words = 0
        lengths = np.array([s.words for s in candidates])
        closest = np.zeros(len(candidates), dtype=np.float32)
        available = usable.copy()
        while True:
            if max_words is not None:
                available &= lengths <= max_words - words  # drop what no longer fits, all at once
            if not available.any():
                break
            if sentences is not None and len(chosen) >= sentences and words >= min_words:
                break
            deadline.check("choosing sentences")  # each pick costs a pass over every sentence
            gain = np.where(available, scores - self.scoring.redundancy * closest, -np.inf)
            best = int(np.argmax(gain))
            available[best] = False
            chosen.append(best)
            words += int(lengths[best])
            closest = np.maximum(closest, vectors @ vectors[best])
        return chosen


def _rank_in_section(candidates: list[Sentence]) -> np.ndarray:
    """Each sentence's place after the last heading before it (sections lead with their point too)."""
    ranks = np.zeros(len(candidates), dtype=np.float32)
    for i in range(1, len(candidates)):
        same = candidates[i].section == candidates[i - 1].section
        ranks[i] = ranks[i - 1] + 1 if same else 0
    return ranks


def _fragment(sentence: Sentence) -> bool:
    """Too short to stand alone, a label or table cell (short, unpunctuated), or a lead-in to a list."""
    text = sentence.text
    if sentence.words < _MIN_SENTENCE_WORDS or text.endswith(":"):
        return True
    return sentence.words < _MIN_UNPUNCTUATED_WORDS and not text.endswith(_CLOSING)


def _closed(text: str) -> str:
    """A picked line that had no closing punctuation (a standfirst, a caption) ends with a full stop."""
    return text + "." if text[-1:].isalnum() and text[-1] < _NO_FULL_STOP else text


def _clipped(sentence: Sentence, max_words: int) -> Sentence:
    """The best sentence cut to the budget, marked as cut, when no whole sentence fits the budget."""
    return replace(sentence, text=first_words(sentence.text, max_words).rstrip() + " …")
