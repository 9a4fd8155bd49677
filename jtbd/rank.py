"""Rank clusters by how fast their share of what people say is growing, and how sure we are of it.

A cluster's count in each period is compared with everything said in that period (the exposure), so a month with
twice the posts, or a partial month, does not look like growth. Growth per year comes from a Poisson regression
with log(period total) as offset; its interval is widened by the observed overdispersion (quasi-Poisson), and
p-values are corrected across clusters with Benjamini-Hochberg so small clusters do not top the list by chance.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

import numpy as np

from jtbd.types import DEMAND_KINDS, SUPPLY_KINDS, ClusterLabel, Growth, PeriodCount, RankedCluster, Statement

PERIODS_PER_YEAR = {"week": 52.18, "month": 12.0, "quarter": 4.0}
DEFAULT_WEIGHTS = {"growth": 1.0, "reach": 0.5, "pain": 0.5, "supply": 0.3}
Z95 = 1.959964
#: A trend is called only when its Benjamini-Hochberg q-value is below this.
FDR = 0.05


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


def poisson_growth(
    counts: np.ndarray, totals: np.ndarray, periods_per_year: float
) -> tuple[float, float, float] | None:
    """Fit log E[count] = log(total) + a + b*t; return (b per year, its standard error, p-value), or None.

    Periods with a zero total carry no information and are left out. The standard error is scaled by the
    Pearson dispersion when the data are noisier than Poisson (never shrunk below it).
    """
    keep = totals > 0
    y, exposure = counts[keep].astype(float), totals[keep].astype(float)
    t = np.flatnonzero(keep).astype(float) / periods_per_year
    if len(y) < 3 or y.sum() < 3:
        return None
    X = np.column_stack([np.ones_like(t), t - t.mean()])
    offset = np.log(exposure)
    beta = np.array([math.log(y.sum() / exposure.sum()), 0.0])
    for _ in range(50):
        mu = np.exp(offset + X @ beta)
        hessian = X.T @ (X * mu[:, None])
        try:
            step = np.linalg.solve(hessian, X.T @ (y - mu))
        except np.linalg.LinAlgError:
            return None
        if not np.all(np.isfinite(step)):
            return None
        beta += np.clip(step, -5.0, 5.0)  # damped: separated data (all counts at one end) must not overflow
        if np.abs(step).max() < 1e-8:
            break
    mu = np.exp(offset + X @ beta)
    try:
        covariance = np.linalg.inv(X.T @ (X * mu[:, None]))
    except np.linalg.LinAlgError:
        return None
    if not np.all(np.isfinite(mu)) or mu.min() <= 0 or not covariance[1, 1] > 0:
        return None  # no finite estimate: the trend is undetermined, not infinite
    dispersion = max(1.0, float(((y - mu) ** 2 / mu).sum() / max(len(y) - 2, 1)))
    se = math.sqrt(covariance[1, 1] * dispersion)
    if not math.isfinite(se) or se == 0 or abs(beta[1]) > 50:
        return None
    p_value = math.erfc(abs(beta[1] / se) / math.sqrt(2))
    return float(beta[1]), se, p_value


def benjamini_hochberg(p_values: Sequence[float | None]) -> list[float | None]:
    """q-values controlling the false discovery rate across clusters; None stays None."""
    indexed = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    q: list[float | None] = [None] * len(p_values)
    running = 1.0
    for rank in range(len(indexed), 0, -1):
        p, i = indexed[rank - 1]
        running = min(running, p * len(indexed) / rank)
        q[i] = running
    return q


def rank_clusters(
    statements: Sequence[Statement],
    labels: np.ndarray,
    cluster_labels: dict[int, ClusterLabel],
    *,
    period: str = "month",
    window: int = 24,
    weights: dict[str, float] | None = None,
) -> list[RankedCluster]:
    """Score and order clusters; the first is the best opportunity. Noise (-1) is never ranked.

    Undated statements count toward size and reach but not toward growth.
    """
    weights = {**DEFAULT_WEIGHTS, **(weights or {})}
    keys = [period_key(s.created_at, period) if s.created_at else None for s in statements]
    dated = sorted({k for k in keys if k})
    periods = period_range(dated[0], dated[-1], period) if dated else []
    window_periods = periods[-window:]
    index = {p: i for i, p in enumerate(window_periods)}
    totals = np.zeros(len(window_periods))
    for key in keys:
        if key in index:
            totals[index[key]] += 1

    drafts = []
    for cluster_id, label in cluster_labels.items():
        rows = [int(r) for r in np.flatnonzero(labels == cluster_id)]
        counts = np.zeros(len(window_periods))
        authors_by_period: dict[str, set[str]] = defaultdict(set)
        for row in rows:
            key = keys[row]
            if key in index:
                counts[index[key]] += 1
                authors_by_period[key].add(statements[row].author or statements[row].doc_id)
        fit = poisson_growth(counts, totals, PERIODS_PER_YEAR[period])
        series = [
            PeriodCount(p, int(counts[i]), int(totals[i]), len(authors_by_period.get(p, ())))
            for i, p in enumerate(window_periods)
        ]
        drafts.append((cluster_id, label, rows, counts, fit, series))

    q_values = benjamini_hochberg([d[4][2] if d[4] else None for d in drafts])
    max_authors = max((_n_authors(statements, d[2]) for d in drafts), default=1)
    ranked = []
    for (cluster_id, label, rows, counts, fit, series), q in zip(drafts, q_values):
        growth = _growth(fit, q, counts, totals, PERIODS_PER_YEAR[period])
        n_authors = _n_authors(statements, rows)
        kinds: dict[str, int] = defaultdict(int)
        for row in rows:
            kinds[statements[row].kind] += 1
        parts = _score_parts(growth, n_authors, max_authors, kinds, [statements[r] for r in rows])
        score = sum(weights[name] * value for name, value in parts.items())
        ranked.append(
            RankedCluster(
                id=cluster_id,
                rank=0,
                label=label,
                members=rows,
                size=len(rows),
                n_authors=n_authors,
                n_docs=len({statements[r].doc_id for r in rows}),
                growth=growth,
                score=round(score, 4),
                score_parts={k: round(v, 4) for k, v in parts.items()},
                series=series,
                kind_counts=dict(sorted(kinds.items())),
            )
        )
    ranked.sort(key=lambda c: (-c.score, -c.size, c.id))
    return [RankedCluster(**{**c.__dict__, "rank": i}) for i, c in enumerate(ranked, start=1)]


def _n_authors(statements: Sequence[Statement], rows: Sequence[int]) -> int:
    return len({statements[r].author or statements[r].doc_id for r in rows})


def _growth(
    fit: tuple[float, float, float] | None, q: float | None, counts: np.ndarray, totals: np.ndarray, per_year: float
) -> Growth:
    n_periods = int((totals > 0).sum())
    if fit is None or q is None:
        return Growth(None, None, None, None, n_periods, "unknown")
    slope, se, p_value = fit
    rate, low, high = math.exp(slope), math.exp(slope - Z95 * se), math.exp(slope + Z95 * se)
    nonzero = np.flatnonzero(counts > 0)
    new = len(nonzero) and nonzero[0] >= len(counts) * 2 / 3
    if q < FDR and low > 1:
        trend = "emerging" if new else "rising"
    elif q < FDR and high < 1:
        recent = counts[-max(1, int(per_year / 4)) :].sum()
        trend = "fading" if recent == 0 or rate < 0.5 else "declining"
    else:
        trend = "stable"
    return Growth(
        round(rate, 4), round(low, 4), round(high, 4), round(p_value, 6), n_periods, trend, q_value=round(q, 6)
    )


def _score_parts(
    growth: Growth, n_authors: int, max_authors: int, kinds: dict[str, int], members: list[Statement]
) -> dict[str, float]:
    """The parts of the opportunity score, each on a comparable 0..1-ish scale (see README)."""
    size = max(len(members), 1)
    # The most cautious reading of the interval: its bound nearest to "flat", and 0 when it spans flat.
    if growth.low is not None and growth.low > 1:
        growth_part = math.log(growth.low)
    elif growth.high is not None and growth.high < 1:
        growth_part = math.log(growth.high)
    else:
        growth_part = 0.0
    return {
        "growth": max(-1.0, min(1.0, growth_part)),
        "reach": math.log1p(n_authors) / math.log1p(max(max_authors, 1)),
        "pain": sum(v for k, v in kinds.items() if k in DEMAND_KINDS) / size,
        "supply": -(sum(v for k, v in kinds.items() if k in SUPPLY_KINDS) / size),
    }
