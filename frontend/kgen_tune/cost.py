"""The static cost model's place in the search: it ranks verified
candidates so that a round measures its most promising ones, and the run
reports how well its ranking agreed with the measurements.

Only ranks are compared: the estimate is in model milliseconds, the CPU
measurer in host milliseconds, and numbers of different measurers are
never set against each other.
"""

from __future__ import annotations

import math
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, TypeVar

__all__ = ["estimate_ms", "rank_by_estimate", "rank_agreement", "spearman"]

T = TypeVar("T")


def estimate_ms(verification: Optional[Dict[str, Any]]) -> float:
    """The estimate's milliseconds from a verify() answer (or an estimate
    itself); infinity when there is none, so unknowns rank last."""
    if not verification:
        return math.inf
    estimate = verification.get("estimate", verification)
    value = estimate.get("milliseconds") if isinstance(estimate, dict) else None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return math.inf


def rank_by_estimate(items: Sequence[Tuple[T, Optional[Dict[str, Any]]]]) -> List[T]:
    """`items` ((thing, verify answer) pairs) fastest estimate first; ties
    and unknowns keep their order (the proposers' own preference)."""
    order = sorted(range(len(items)), key=lambda i: (estimate_ms(items[i][1]), i))
    return [items[i][0] for i in order]


def _ranks(values: Sequence[float]) -> List[float]:
    """Ranks from 1, ties given their average rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(xs: Sequence[float], ys: Sequence[float]) -> Optional[float]:
    """Spearman's rank correlation (Pearson's on the ranks); None for fewer
    than 3 pairs or when either side has a single value."""
    if len(xs) != len(ys) or len(xs) < 3:
        return None
    rx, ry = _ranks(xs), _ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sxx = sum((a - mx) ** 2 for a in rx)
    syy = sum((b - my) ** 2 for b in ry)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def rank_agreement(pairs: Iterable[Tuple[Any, Any]]) -> Optional[float]:
    """How well the static estimates order a kernel's schedules as the
    measurements did: Spearman's correlation of (estimate ms, measured
    median ms) pairs of one kernel and one measurer (1 = same order, 0 =
    unrelated, -1 = reversed). Pairs with a missing side are left out."""
    clean = [(float(e), float(m)) for e, m in pairs
             if isinstance(e, (int, float)) and isinstance(m, (int, float))
             and math.isfinite(e) and math.isfinite(m)]
    return spearman([e for e, _ in clean], [m for _, m in clean])
