"""How time and voices are counted for growth: period keys, the growth window, and the per-author caps.

Kept apart from the statistics (`growth.py`) so the reports can name these rules without importing them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

PERIODS_PER_YEAR = {"week": 52.18, "month": 12.0, "quarter": 4.0}
#: Growth counts a cluster's statements, but at most this many per author and period. A question or posting that
#: states a job two or three times is about that job, and one that mentions it once in passing is not; a commenter's
#: twentieth reply in a month still counts 3 (docs/method.md, "Growth").
MAX_PER_AUTHOR = 3
#: Fewer voices than this in the window give no growth fit: with four voices in 24 months the interval runs from
#: -40% to +300,000% a year, which says nothing and fills the table with noise. (Not `Config.min_voices`, the voices
#: a cluster needs to be a job at all.)
MIN_VOICES_TO_FIT = 10
#: The growth window when `--window` is not given: the last 24 months, in periods of each size.
WINDOW_MONTHS = 24
DEFAULT_WINDOW = {"week": 104, "month": WINDOW_MONTHS, "quarter": WINDOW_MONTHS // 3}
#: With `--period auto` (the default), a corpus whose dates span fewer months than this is fitted per week: 3
#: months give a monthly fit 3 points, too few for any interval, and 13 weekly ones.
MIN_MONTHS_FOR_MONTHLY = 6
#: The span `choose_period` measures starts at this quantile of the dates, so that a few stray old documents (a
#: pinned post, a mis-dated record) do not make ten weeks of data look like years.
SPAN_QUANTILE = 0.05


def growth_window(period: str, window: int | None) -> int:
    """`window` periods, or when None the last WINDOW_MONTHS months counted in `period`s."""
    return window or DEFAULT_WINDOW[period]


def choose_period(dates: Sequence[datetime | None]) -> str:
    """The period `--period auto` fits growth by: month, unless the dates (from their SPAN_QUANTILE on) span fewer
    than MIN_MONTHS_FOR_MONTHLY calendar months; then week. Undated corpora get month (no growth is fitted anyway)."""
    dated = sorted(d for d in dates if d is not None)
    if not dated:
        return "month"
    first = dated[int(SPAN_QUANTILE * (len(dated) - 1))]
    months = period_range(period_key(first, "month"), period_key(dated[-1], "month"), "month")
    return "week" if len(months) < MIN_MONTHS_FOR_MONTHLY else "month"


def resolve_period(period: str, dates: Sequence[datetime | None]) -> str:
    """The period growth is fitted by: `period` itself, or for "auto" the one `choose_period` picks from `dates`."""
    return choose_period(dates) if period == "auto" else period


def period_key(when: datetime, period: str) -> str:
    if period == "week":
        year, week, _ = when.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "quarter":
        return f"{when.year}-Q{(when.month - 1) // 3 + 1}"
    return f"{when.year}-{when.month:02d}"


def period_range(first: str, last: str, period: str) -> list[str]:
    """Every period from first to last inclusive, so empty periods show as gaps, not as nothing."""
    out = [first]
    while out[-1] != last:
        out.append(_next_period(out[-1], period))
    return out


def _next_period(key: str, period: str) -> str:
    if period == "month":
        year, month = map(int, key.split("-"))
        return f"{year + month // 12}-{month % 12 + 1:02d}"
    if period == "quarter":
        year, quarter = int(key[:4]), int(key[-1])
        return f"{year + quarter // 4}-Q{quarter % 4 + 1}"
    year, week = int(key[:4]), int(key[-2:])
    last_week = datetime(year, 12, 28).isocalendar()[1]
    return f"{year + 1}-W01" if week >= last_week else f"{year}-W{week + 1:02d}"


def window_periods(keys: Sequence[str | None], period: str, window: int) -> list[str]:
    """The growth window: the last `window` periods up to the latest dated statement (`keys` from `period_key`)."""
    dated = sorted({k for k in keys if k})
    return period_range(dated[0], dated[-1], period)[-window:] if dated else []


def growth_order(low: float | None) -> float:
    """Sort value of a job "by growth" (the report's Growth column, the trend benchmark's top 3): the lower bound of
    its growth interval, the growth we are 95% sure of; a job with no fit sorts last. A point rate puts a handful of
    lucky voices first (docs/method.md, "Growth")."""
    return low if low is not None else -1.0
