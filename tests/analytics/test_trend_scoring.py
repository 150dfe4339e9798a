"""The SQL scores only the (term, period) pairs a report could use (numbered terms, pairs below the
support tests left out); this recomputes every pair from the raw rows in plain Python, with the
formula trend_sql documents, and checks that the rising and falling lists are the same."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict
from datetime import timedelta

import pytest
from planted import MONDAY, WEEKS, write_planted
from summaries_table import summaries_table

from precis.analytics.periods import Grain, Periods, calendar
from precis.analytics.trend_sql import PRIOR_PERIODS, THRESHOLD
from precis.analytics.trends import trends

TOP = 50  # more than any period has: every term passing the tests is listed

Pair = tuple[str, str, int]  # kind, term, period


def _documents(connection, periods: Periods) -> dict[Pair, set[str]]:
    """Each (kind, term, period)'s documents, straight from the rows."""
    found: dict[Pair, set[str]] = defaultdict(set)
    for document, moment, phrases, entities in connection.execute(
        "SELECT document_id, coalesce(published, submitted_at), key_phrases, entities FROM summaries "
        "WHERE status = 'COMPLETED' AND collection = 'news'"
    ).fetchall():
        if not periods.start <= moment < periods.end:
            continue
        k = bisect_right(periods.bounds, moment) - 1
        for kind, texts in (("phrase", phrases or []), ("name", [e["text"] for e in entities or []])):
            for text in texts:
                if text.strip(" "):
                    found[(kind, text.strip(" ").lower(), k)].add(document)
    return found


def _reference(connection, periods: Periods, min_support: int) -> tuple[list, list]:
    """Rising and falling as (term, period shown, count, score, baseline), every pair scored."""
    n = {pair: len(documents) for pair, documents in _documents(connection, periods).items()}
    mentions = [
        sum(count for (_, _, k), count in n.items() if k == period) for period in range(periods.count)
    ]
    total = max(1, sum(mentions))
    alpha0 = max(1.0, PRIOR_PERIODS * total / periods.count)
    usage: dict[tuple[str, str], int] = defaultdict(int)
    for (kind, term, _), count in n.items():
        usage[(kind, term)] += count
    rising, falling = [], []
    for k in periods.shown:
        now, base = mentions[k], sum(mentions[max(0, k - periods.baseline) : k])
        if base == 0:
            continue
        scored = []
        for kind, term in usage:
            count = n.get((kind, term, k), 0)
            before = sum(n.get((kind, term, j), 0) for j in range(k - periods.baseline, k))
            if count == 0 and before == 0:
                continue
            a = alpha0 * usage[(kind, term)] / total
            delta = math.log((count + a) / (now + alpha0 - count - a)) - math.log(
                (before + a) / (base + alpha0 - before - a)
            )
            z = delta / math.sqrt(1 / (count + a) + 1 / (before + a))
            scored.append((z, term, kind, count, before * now / base, count * base - before * now))
        up = [s for s in scored if s[0] >= THRESHOLD and s[3] >= min_support and s[5] > 0]
        down = [s for s in scored if s[0] <= -THRESHOLD and s[4] >= min_support and s[5] < 0]
        rising += [(k, s) for s in sorted(up, key=lambda s: (-s[0], s[1], s[2]))[:TOP]]
        falling += [(k, s) for s in sorted(down, key=lambda s: (s[0], s[1], s[2]))[:TOP]]

    def shown(items: list, sign: int) -> list:
        ordered = sorted(items, key=lambda item: (sign * item[1][0], item[0], item[1][1], item[1][2]))
        return [(s[1], k - periods.baseline, s[3], round(s[0], 3), round(s[4], 2)) for k, s in ordered]

    return shown(rising, -1), shown(falling, 1)


@pytest.mark.parametrize("min_support", [1, 3])
def test_scoring_only_the_reportable_pairs_reports_what_scoring_every_pair_does(min_support):
    connection = summaries_table()
    write_planted(connection)
    periods = calendar(Grain.week, MONDAY + timedelta(weeks=4), MONDAY + timedelta(weeks=WEEKS), MONDAY)
    result = trends(connection, periods, collection="news", top=TOP, min_support=min_support)
    rising, falling = _reference(connection, periods, min_support)
    assert "quantum battery" in {item[0] for item in rising}
    assert "fading phrase" in {item[0] for item in falling}  # kept by its expected count alone
    assert [(m.term, m.period, m.count, m.score, m.baseline) for m in result.rising] == rising
    assert [(m.term, m.period, m.count, m.score, m.baseline) for m in result.falling] == falling
