"""Tests for jtbd.periods: period keys and ranges, the period chosen from a corpus's span, the default window."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from jtbd.periods import choose_period, growth_window, period_key, period_range


@pytest.mark.parametrize(
    ("when", "period", "key"),
    [
        (datetime(2024, 3, 9, tzinfo=UTC), "month", "2024-03"),
        (datetime(2024, 11, 30, tzinfo=UTC), "quarter", "2024-Q4"),
        (datetime(2024, 3, 12, tzinfo=UTC), "week", "2024-W11"),
        (datetime(2021, 1, 1, tzinfo=UTC), "week", "2020-W53"),  # ISO weeks: Jan 1st 2021 is in 2020's last week
    ],
)
def test_periods_period_key(when, period, key):
    assert period_key(when, period) == key


@pytest.mark.parametrize(
    ("first", "last", "period", "expected"),
    [
        ("2024-11", "2025-02", "month", ["2024-11", "2024-12", "2025-01", "2025-02"]),
        ("2024-Q3", "2025-Q2", "quarter", ["2024-Q3", "2024-Q4", "2025-Q1", "2025-Q2"]),
        ("2020-W52", "2021-W02", "week", ["2020-W52", "2020-W53", "2021-W01", "2021-W02"]),
        ("2021-W52", "2022-W01", "week", ["2021-W52", "2022-W01"]),
        ("2024-05", "2024-05", "month", ["2024-05"]),
    ],
)
def test_periods_period_range_fills_every_period(first, last, period, expected):
    assert period_range(first, last, period) == expected


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (datetime(2024, 3, 1), datetime(2024, 4, 20), "week"),  # 2 calendar months: a monthly fit has 2 points
        (datetime(2024, 1, 31), datetime(2024, 5, 1), "week"),  # 5 calendar months
        (datetime(2024, 1, 31), datetime(2024, 6, 1), "month"),  # 6
        (datetime(2018, 3, 1), datetime(2026, 1, 31), "month"),
    ],
)
def test_periods_choose_period_by_the_months_the_corpus_spans(first, last, expected):
    dates = [first, None, last, first + (last - first) / 2]
    assert choose_period(dates) == expected


def test_periods_choose_period_is_not_fooled_by_a_few_stray_old_dates():
    recent = [datetime(2024, 3, 1) + (datetime(2024, 5, 1) - datetime(2024, 3, 1)) * i / 99 for i in range(100)]
    assert choose_period([datetime(2019, 1, 1), datetime(2021, 6, 1), *recent]) == "week"
    # A real tail of older data is a long corpus: months.
    older = [datetime(2022, 1, 1) + (datetime(2024, 1, 1) - datetime(2022, 1, 1)) * i / 19 for i in range(20)]
    assert choose_period([*older, *recent]) == "month"


def test_periods_choose_period_of_an_undated_corpus_is_month():
    assert choose_period([None, None]) == "month"
    assert choose_period([]) == "month"


def test_periods_default_window_is_the_last_24_months_in_any_period():
    assert growth_window("month", None) == 24
    assert growth_window("quarter", None) == 8
    assert growth_window("week", None) == 104
    assert growth_window("quarter", 36) == 36  # a window given is a number of periods
