"""Storylines: groups of documents about the same thing, found from the terms they share.

Within a period, two distinctive terms belong together when the documents mentioning them overlap
(enough shared documents, Jaccard at least LINK); a group of two or more terms is a storyline of the
documents that mention at least two of its terms. Groups in different periods whose terms overlap
are the same storyline continuing, so each storyline has a size per period. Input is the small
(period, term, document) list the SQL layer returns for each period's distinctive terms.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

LINK = 0.3  # Jaccard of two terms' documents for them to describe the same thing
CONTINUES = 0.34  # Jaccard of two periods' term groups for them to be one storyline
LABEL_TERMS = 3

Term = tuple[str, str]  # (kind, term)


@dataclass(frozen=True)
class Storyline:
    terms: tuple[Term, ...]  # most documents first; the first LABEL_TERMS label it
    sizes: tuple[int, ...]  # documents per period index (all periods, baseline included)
    documents: tuple[str, ...]  # most central first: the documents mentioning most of its terms

    @property
    def size(self) -> int:
        return len(self.documents)


@dataclass(frozen=True)
class _Group:
    period: int
    terms: frozenset[Term]
    documents: dict[str, int]  # document -> how many of the group's terms it mentions


def storylines(postings: Iterable[tuple[int, str, str, str]], periods: int, min_size: int) -> list[Storyline]:
    """Storylines from (period, kind, term, document) rows, largest first."""
    by_period: dict[int, dict[Term, set[str]]] = defaultdict(lambda: defaultdict(set))
    for k, kind, term, document in postings:
        by_period[k][(kind, term)].add(document)
    groups = [group for k in sorted(by_period) for group in _groups_in(k, by_period[k], min_size)]
    return sorted(
        (_storyline(chain, by_period, periods) for chain in _chains(groups)),
        key=lambda s: (-s.size, s.terms),
    )


def _linked(count: int, linked: Callable[[int, int], bool]) -> list[list[int]]:
    """Single-link clusters of items 0..count-1, `linked(i, j)` deciding each pair; in item order."""
    parent = list(range(count))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(count):
        for j in range(i + 1, count):
            if linked(i, j):
                parent[root(j)] = root(i)
    clusters: dict[int, list[int]] = defaultdict(list)
    for i in range(count):
        clusters[root(i)].append(i)
    return list(clusters.values())


def _groups_in(period: int, documents_of: dict[Term, set[str]], min_size: int) -> list[_Group]:
    terms = sorted(documents_of)

    def linked(i: int, j: int) -> bool:
        first, second = documents_of[terms[i]], documents_of[terms[j]]
        shared = len(first & second)  # the union's size follows from it: no union set is built
        return shared >= min_size and shared / (len(first) + len(second) - shared) >= LINK

    groups = []
    for members in _linked(len(terms), linked):
        if len(members) < 2:
            continue
        group_terms = frozenset(terms[i] for i in members)
        mentions = Counter(document for term in group_terms for document in documents_of[term])
        documents = {document: n for document, n in mentions.items() if n >= 2}
        if len(documents) >= min_size:
            groups.append(_Group(period, group_terms, documents))
    return groups


def _chains(groups: list[_Group]) -> list[list[_Group]]:
    """Groups joined across periods when their terms overlap enough (single link)."""

    def linked(i: int, j: int) -> bool:
        first, second = groups[i], groups[j]
        if first.period == second.period:
            return False
        shared = len(first.terms & second.terms)
        return shared / (len(first.terms) + len(second.terms) - shared) >= CONTINUES

    return [[groups[i] for i in chain] for chain in _linked(len(groups), linked)]


def _storyline(chain: list[_Group], by_period: dict[int, dict[Term, set[str]]], periods: int) -> Storyline:
    sizes = [0] * periods
    centrality: Counter[str] = Counter()
    weight: Counter[Term] = Counter()
    for group in chain:
        if 0 <= group.period < periods:
            sizes[group.period] += len(group.documents)
        centrality.update(group.documents)
        for term in group.terms:
            weight[term] += len(by_period[group.period][term] & group.documents.keys())
    terms = tuple(sorted(weight, key=lambda term: (-weight[term], term)))
    documents = tuple(sorted(centrality, key=lambda document: (-centrality[document], document)))
    return Storyline(terms=terms, sizes=tuple(sizes), documents=documents)
