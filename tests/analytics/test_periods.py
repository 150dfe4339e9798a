"""The dates users type and the periods they become: durations, ISO dates and times, week and month starts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from precis.analytics.periods import (
    Grain,
    WhenError,
    calendar,
    parse_when,
    period_start,
    shift,
    trailing_windows,
)

NOW = datetime(2026, 12, 6, 20, 30, tzinfo=UTC)  # a Sunday


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("7d", datetime(2026, 11, 29, 20, 30)),
        ("6h", datetime(2026, 12, 6, 14, 30)),
        ("2w", datetime(2026, 11, 22, 20, 30)),
        (" 90s ", datetime(2026, 12, 6, 20, 28, 30)),
        ("2026-11-24", datetime(2026, 11, 24)),
        ("2026-11-24T10:15:00Z", datetime(2026, 11, 24, 10, 15)),
        ("2026-11-24T10:15:00+02:00", datetime(2026, 11, 24, 8, 15)),
        ("2026-11-24 10:15", datetime(2026, 11, 24, 10, 15)),
    ],
)
def test_when_users_type_becomes_naive_utc(text, moment):
    assert parse_when(text, NOW) == moment


@pytest.mark.parametrize("text", ["yesterday", "7 days", "2026-13-01", "-3d", ""])
def test_unreadable_dates_say_what_is_accepted(text):
    with pytest.raises(WhenError, match="duration .* date .* ISO-8601"):
        parse_when(text, NOW)


@pytest.mark.parametrize(
    ("moment", "grain", "start"),
    [
        (datetime(2026, 12, 6, 23, 59), Grain.week, datetime(2026, 11, 30)),  # Sunday → Monday before
        (datetime(2026, 11, 30, 0, 0), Grain.week, datetime(2026, 11, 30)),  # Monday is its own start
        (datetime(2027, 1, 1, 12), Grain.week, datetime(2026, 12, 28)),  # weeks cross the year
        (datetime(2026, 12, 6, 23, 59), Grain.day, datetime(2026, 12, 6)),
        (datetime(2026, 12, 31, 23, 59), Grain.month, datetime(2026, 12, 1)),
    ],
)
def test_period_starts(moment, grain, start):
    assert period_start(moment, grain) == start


def test_months_shift_across_years():
    assert shift(datetime(2026, 11, 1), Grain.month, 3) == datetime(2027, 2, 1)
    assert shift(datetime(2026, 1, 1), Grain.month, -1) == datetime(2025, 12, 1)


def test_a_range_is_widened_to_whole_periods_after_its_baseline():
    periods = calendar(Grain.week, datetime(2026, 11, 4), datetime(2026, 11, 24, 9), NOW)
    assert periods.span(periods.baseline) == (datetime(2026, 11, 2), datetime(2026, 11, 9))
    assert periods.end == datetime(2026, 11, 30)  # the week holding --until, whole
    assert periods.start == datetime(2026, 10, 5)  # four baseline weeks before
    assert len(periods.shown) == 4


def test_until_is_exclusive_and_the_default_is_recent_periods():
    months = calendar(Grain.month, None, datetime(2026, 3, 1), NOW)
    assert months.end == datetime(2026, 3, 1) and len(months.shown) == 12
    days = calendar(Grain.day, None, None, NOW)
    assert days.end == datetime(2026, 12, 7) and len(days.shown) == 14
    with pytest.raises(WhenError):
        calendar(Grain.day, datetime(2026, 12, 8), None, NOW)


def test_a_digest_window_ends_now_after_windows_of_the_same_length():
    end = datetime(2026, 12, 6, 20, 30)
    periods = trailing_windows(timedelta(days=7), end, baseline=4)
    assert periods.span(4) == (end - timedelta(days=7), end)
    assert periods.start == end - timedelta(days=35) and periods.label == "7d"
    assert parse_when("7d", NOW.astimezone(timezone(timedelta(hours=5)))) == datetime(2026, 11, 29, 20, 30)
