"""Sentence vectors: WordLlama token embeddings (shipped inside the wordllama wheel, so nothing is
downloaded) mean-pooled per sentence, optionally with inverse-sentence-frequency weights.

Its own module, apart from the extractive summarizer, so that a process that only embeds text (`precis
search` embedding one query) imports numpy and the tokenizer, not the sentence splitter, request and
result types the summarizer needs.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from precis_summarizer.words import word_pieces

WORDLLAMA_CONFIG = "l2_supercat"
_WORD_CACHE_LIMIT = 200_000
# A sentence's vector is the mean of its first this many words: past them the mean barely moves, and one
# endless sentence (a 10 MB "word", text without punctuation) costs no more than a long one.
_ENCODED_PIECES = 2048
_POOL_TOKENS = 65_536  # token vectors held at once while pooling: 64 MiB at 256 float32 dimensions


def _shipped_wordllama_files() -> tuple[Path, Path] | None:
    """The wheel's own files, found without importing wordllama (its import costs ~0.3 s at start-up)."""
    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        return None
    package_dir = Path(next(iter(spec.submodule_search_locations)))
    weights = package_dir / "weights" / f"{WORDLLAMA_CONFIG}_256.safetensors"
    tokenizer = package_dir / "tokenizers" / f"{WORDLLAMA_CONFIG}_tokenizer_config.json"
    return (weights, tokenizer) if weights.is_file() and tokenizer.is_file() else None


class SentenceEncoder:
    """Mean-pooled, unit-length WordLlama sentence vectors computed in one pass over all tokens."""

    def __init__(self, embedding: np.ndarray, tokenizer) -> None:
        self._embedding = embedding
        self._tokenizer = tokenizer
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        # encode_batch_fast skips character offsets (2x faster); older tokenizers only have encode_batch.
        self._encode_batch = getattr(tokenizer, "encode_batch_fast", tokenizer.encode_batch)
        # Tokens never cross spaces (SentencePiece pieces), so each distinct word is tokenized only once.
        self._word_ids: dict[str, list[int]] = {}

    @classmethod
    def load(cls, *, lazy: bool = False) -> SentenceEncoder:
        """Reads the weights and tokenizer the wordllama wheel ships; nothing is ever downloaded.
        `lazy`: keep the shipped float16 table and convert only the rows a text uses until a call needs
        more rows than the table has (then all of it, once): for a process that embeds a few words,
        such as one search query, converting the whole table would be most of its work. The vectors
        are the same either way (float16 to float32 is exact)."""
        shipped = _shipped_wordllama_files()
        if shipped is None:
            import wordllama

            package_dir = Path(wordllama.__file__).parent
            model = wordllama.WordLlama.load(cache_dir=package_dir, disable_download=True)
            return cls(model.embedding, model.tokenizer)
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        weights, tokenizer = shipped
        embedding = load_file(str(weights))["embedding.weight"]
        if not lazy:
            embedding = embedding.astype(np.float32, copy=False)
        return cls(embedding, Tokenizer.from_file(str(tokenizer)))

    def encode(self, texts: list[str], idf: bool = False) -> np.ndarray:
        ids, lengths = self._token_ids(texts)
        if self._embedding.dtype != np.float32 and len(ids) >= len(self._embedding):
            self._embedding = self._embedding.astype(np.float32)
        weights = _inverse_sentence_frequency(ids, lengths) if idf else np.ones(len(ids), dtype=np.float32)
        sentence_of = np.repeat(np.arange(len(texts)), lengths)
        pooled = np.zeros((len(texts), self._embedding.shape[1]), dtype=np.float32)
        mass = np.zeros(len(texts), dtype=np.float32)
        # A slice of tokens at a time, so memory stays flat however long the document (or one sentence) is.
        for low in range(0, len(ids), _POOL_TOKENS):
            owner = sentence_of[low : low + _POOL_TOKENS]
            runs = np.concatenate(([0], np.flatnonzero(np.diff(owner)) + 1))
            vectors = self._embedding[ids[low : low + _POOL_TOKENS]].astype(np.float32, copy=False)
            vectors *= weights[low : low + _POOL_TOKENS, None]
            pooled[owner[runs]] += np.add.reduceat(vectors, runs, axis=0)
            mass[owner[runs]] += np.add.reduceat(weights[low : low + _POOL_TOKENS], runs)
        pooled /= np.maximum(mass, 1e-9)[:, None]
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.maximum(norms, 1e-9)

    def _token_ids(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """All texts' token ids end to end, and how many belong to each (at least one: id 0 if empty)."""
        words = [word_pieces(text)[:_ENCODED_PIECES] or [""] for text in texts]
        if len(self._word_ids) > _WORD_CACHE_LIMIT:
            self._word_ids = {}  # a new dict, so a concurrent request keeps the one it is filling
        known = self._word_ids
        unseen = list({word for sentence in words for word in sentence if word not in known})
        for word, encoding in zip(unseen, self._encode_batch(unseen, add_special_tokens=False), strict=True):
            known[word] = encoding.ids or [0]
        per_sentence = [[i for word in sentence for i in known[word]] for sentence in words]
        lengths = np.fromiter((len(sentence) for sentence in per_sentence), dtype=np.int64, count=len(texts))
        flat = (i for sentence in per_sentence for i in sentence)
        ids = np.fromiter(flat, dtype=np.int64, count=int(lengths.sum()))
        np.clip(ids, 0, self._embedding.shape[0] - 1, out=ids)
        return ids, lengths


def _inverse_sentence_frequency(ids: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Per token, log(n / sentences containing it): words every sentence uses say little about the topic."""
    sentence_of = np.repeat(np.arange(len(lengths)), lengths)
    pairs = np.unique(sentence_of * (int(ids.max()) + 1) + ids)
    vocabulary, frequency = np.unique(pairs % (int(ids.max()) + 1), return_counts=True)
    idf = np.log((len(lengths) + 1) / (frequency + 0.5)).astype(np.float32)
    return idf[np.searchsorted(vocabulary, ids)]
