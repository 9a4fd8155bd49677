"""How often does `jtbd track` call a turn that is not there, and how often does it find one that is?

Simulated monthly series over 2018-01..2025-12 (96 months), each period's total drawn around `--total`, counts
Poisson (or, with overdispersion, Poisson around a gamma-perturbed mean, as real shares wobble):
- steady: a share growing 20% a year, no turn: any turn called is a false alarm;
- halving: a share growing 10% a year that halves in 2020-06, then grows 60% a year;
- a 25% drop in 2020-06, totals four times smaller.
A turn counts as found when one is called within 2 months of the truth. Each penalty (times log(periods)) is scored
on the same series. The shipped penalty is `jtbd.track.PENALTY`.

Usage: python benchmarks/turns.py [--series 50] [--penalties 3,4,5]
Prints a table and writes benchmarks/results/turns.json. Needs nothing from ../shared.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
import ruptures
from _common import REPO, write_results

from jtbd.periods import period_range
from jtbd.track import PENALTY, SegmentCost, overdispersion

MONTHS = period_range("2018-01", "2025-12", "month")
TURN = MONTHS.index("2020-06")
OUT = REPO / "benchmarks" / "results" / "turns.json"


def shapes() -> dict[str, tuple[np.ndarray, int]]:
    t = np.arange(len(MONTHS)) / 12
    before = np.arange(len(MONTHS)) < TURN
    return {
        "steady +20%/yr (false alarms)": (0.03 * 1.2**t, 2000),
        "halving, then +60%/yr (found)": (np.where(before, 0.04 * 1.1**t, 0.02 * 1.6 ** (t - t[TURN])), 2000),
        "25% drop, small totals (found)": (np.where(before, 0.04 * 1.1**t, 0.03 * 1.1**t), 500),
    }


def draw(share: np.ndarray, total: int, seed: int, wobble: bool) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    totals = rng.integers(total // 2, total * 3 // 2, size=len(share))
    mean = totals * share * (rng.gamma(20, 1 / 20, size=len(share)) if wobble else 1.0)
    return rng.poisson(mean), totals


def cuts(counts: np.ndarray, totals: np.ndarray, penalty: float) -> list[int]:
    y, exposure = counts.astype(float), totals.astype(float)
    cost = SegmentCost(12.0, overdispersion(y, exposure))
    signal = np.column_stack([y, exposure, np.arange(len(y)) / 12])
    found = ruptures.Pelt(custom_cost=cost, min_size=6, jump=1).fit(signal).predict(pen=penalty * math.log(len(y)))
    return found[:-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=50, help="simulated series per shape")
    parser.add_argument("--penalties", default="3,4,5", help="penalties (times log(periods)) to score")
    parser.add_argument("--out", type=Path, default=OUT, help="JSON results")
    args = parser.parse_args()
    penalties = [float(p) for p in args.penalties.split(",")]
    begin, rows = time.perf_counter(), []
    for wobble in (False, True):
        for name, (share, total) in shapes().items():
            row = {"shape": name, "overdispersed": wobble, "series": args.series}
            for penalty in penalties:
                found = [cuts(*draw(share, total, seed, wobble), penalty) for seed in range(args.series)]
                if name.startswith("steady"):
                    row[f"penalty {penalty:g}"] = sum(bool(f) for f in found)
                else:
                    row[f"penalty {penalty:g}"] = sum(any(abs(c - TURN) <= 2 for c in f) for f in found)
            rows.append(row)
            print(row, flush=True)
    print(f"\nturns called (steady) or found within 2 months (others), of {args.series}; shipped {PENALTY:g}")
    print("| shape | counts | " + " | ".join(f"penalty {p:g}" for p in penalties) + " |")
    print("|---|---|" + "---:|" * len(penalties))
    for row in rows:
        counts = "overdispersed" if row["overdispersed"] else "Poisson"
        print(f"| {row['shape']} | {counts} | " + " | ".join(str(row[f"penalty {p:g}"]) for p in penalties) + " |")
    command = "python benchmarks/turns.py" + (f" --series {args.series}" if args.series != 50 else "")
    command += f" --penalties {args.penalties}" if args.penalties != "3,4,5" else ""
    write_results(args.out, {"command": command, "rows": rows, "seconds": round(time.perf_counter() - begin, 1)})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
