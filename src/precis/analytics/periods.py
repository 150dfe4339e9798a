"""The periods trends and digests count in: calendar days, ISO weeks (Monday first) and months, or fixed
windows ending now; and the `--since`/`--until` forms users type (`7d`, `2026-11-24`, ISO times).

Times are naive UTC, as the `summaries` table stores them. A range is widened to whole periods, so the
first and last periods are never partial: a trend compares like with like.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

_DURATION = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
# Periods shown when --since is not given, per grain: about a quarter of weeks, a fortnight of days.
DEFAULT_SHOWN = {"day": 14, "week": 12, "month": 12}
# Trailing periods a period is compared with (its baseline).
BASELINE_PERIODS = {"day": 7, "week": 4, "month": 3}


class WhenError(ValueError):
    """A --since/--until the user typed cannot be read; the message says what is accepted."""


class Grain(StrEnum):
    day = "day"
    week = "week"
    month = "month"


def utc_naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def parse_duration(text: str) -> timedelta:
    """`90s`, `15m`, `6h`, `2d`, `1w` → a timedelta."""
    match = _DURATION.match(text.strip().lower())
    if not match:
        raise WhenError(f"{text!r} is not a duration: use a number and s, m, h, d or w (e.g. 6h, 2d)")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def parse_when(text: str, now: datetime) -> datetime:
    """`7d` (that long before now), `2026-11-24` (midnight UTC) or an ISO-8601 time → naive UTC."""
    cleaned = text.strip()
    if _DURATION.match(cleaned.lower()):
        return utc_naive(now) - parse_duration(cleaned)
    try:
        if len(cleaned) == 10:
            return datetime.combine(date.fromisoformat(cleaned), datetime.min.time())
        return utc_naive(datetime.fromisoformat(cleaned.replace("Z", "+00:00")))
    except ValueError:
        raise WhenError(
            f"{text!r}: use a duration (6h, 7d, 2w), a date (2026-11-24) or an ISO-8601 time"
        ) from None


def period_start(moment: datetime, grain: Grain) -> datetime:
    """The start of the day, ISO week (Monday) or month holding `moment`."""
    day = datetime.combine(moment.date(), datetime.min.time())
    if grain is Grain.week:
        return day - timedelta(days=day.weekday())
    if grain is Grain.month:
        return day.replace(day=1)
    return day


def shift(start: datetime, grain: Grain, periods: int) -> datetime:
    """`start` (a period start) moved by a number of periods."""
    if grain is Grain.month:
        months = start.year * 12 + start.month - 1 + periods
        return start.replace(year=months // 12, month=months % 12 + 1)
    return start + timedelta(days=periods * (7 if grain is Grain.week else 1))


@dataclass(frozen=True)
class Periods:
    """Consecutive periods: `baseline` trailing ones first (counted, not shown), then the shown ones.

    `bounds` holds every period's start and, last, the end of the final one. A calendar grain numbers
    periods with date_trunc/date_diff; a fixed window (a digest's `--since 7d`) by whole seconds.
    """

    label: str
    bounds: tuple[datetime, ...]
    baseline: int
    grain: Grain | None = None  # None: fixed windows of equal length

    @property
    def count(self) -> int:
        return len(self.bounds) - 1

    @property
    def shown(self) -> range:
        return range(self.baseline, self.count)

    @property
    def start(self) -> datetime:
        return self.bounds[0]

    @property
    def end(self) -> datetime:
        return self.bounds[-1]

    def span(self, index: int) -> tuple[datetime, datetime]:
        return self.bounds[index], self.bounds[index + 1]

    def index_sql(self, moment: str) -> str:
        """SQL numbering the period of `moment` (0 = the first baseline period); only our own literals."""
        origin = f"TIMESTAMP '{self.start:%Y-%m-%d %H:%M:%S}'"
        if self.grain is not None:
            return f"date_diff('{self.grain}', {origin}, date_trunc('{self.grain}', {moment}))"
        seconds = int((self.bounds[1] - self.bounds[0]).total_seconds())
        return f"CAST(floor(date_diff('second', {origin}, {moment}) / {seconds}) AS BIGINT)"


def calendar(
    grain: Grain,
    since: datetime | None,
    until: datetime | None,
    now: datetime,
    baseline: int | None = None,
) -> Periods:
    """Whole periods from the one holding `since` to the one holding the instant before `until`
    (default: now, and DEFAULT_SHOWN periods back), after `baseline` trailing periods."""
    trailing = BASELINE_PERIODS[grain] if baseline is None else baseline
    end_moment = utc_naive(until or now)
    last = period_start(end_moment - timedelta(microseconds=1), grain)
    first = period_start(since, grain) if since else shift(last, grain, 1 - DEFAULT_SHOWN[grain])
    if first > last:
        raise WhenError("--since is after --until: no period to show")
    starts = [shift(first, grain, -trailing)]
    while starts[-1] <= last:
        starts.append(shift(starts[-1], grain, 1))
    return Periods(label=str(grain), bounds=tuple(starts), baseline=trailing, grain=grain)


def trailing_windows(length: timedelta, end: datetime, baseline: int) -> Periods:
    """The window `[end - length, end)` after `baseline` windows of the same length before it."""
    if length <= timedelta(0):
        raise WhenError("the period must be longer than zero")
    bounds = tuple(end - length * back for back in range(baseline + 1, -1, -1))
    return Periods(label=_duration_label(length), bounds=bounds, baseline=baseline)


def _duration_label(length: timedelta) -> str:
    if length % timedelta(days=1) == timedelta(0):
        return f"{length.days}d"
    return f"{int(length.total_seconds())}s"
