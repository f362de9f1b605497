"""Uncertainty of the figures: bootstrap intervals over questions and paired tests between systems.

Both come from ``scipy.stats`` (``bootstrap`` and ``permutation_test``), seeded, so a rerun
prints the same numbers. Every metric of :func:`eval.metrics.compute_metrics` is a mean of
per-question values over a set of questions (answerable ones for retrieval, abstained ones
for abstention precision, unanswerable ones for recall), so one percentile bootstrap of the
mean serves all of them. The paired test is the randomisation (sign-flip) test that IR
evaluation recommends for comparing two systems on the same questions (Smucker, Allan and
Carterette, CIKM 2007): scipy's ``permutation_type="samples"`` swaps each question's two
values, exactly when 2^n is smaller than the number of resamples.

>>> interval = bootstrap_ci([1.0, 0.0, 1.0, 1.0])
>>> interval == bootstrap_ci([1.0, 0.0, 1.0, 1.0]) and 0.0 <= interval[0] <= 0.75 <= interval[1] <= 1.0
True
>>> paired_test([1.0, 1.0, 1.0], [1.0, 1.0, 1.0])["p_value"]
1.0
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from eval.metrics import metric_names

SEED = 20081010  # any fixed number; the agreement was signed in Sochi on 10 October 2008
RESAMPLES = 2000
PERMUTATIONS = 9999
CONFIDENCE = 0.95
TESTED = ("recall@1", "mrr@{k}", "ndcg@5")  # the paired test's metrics, ``{k}`` the MRR cut-off


@dataclass(frozen=True)
class Bootstrap:
    seed: int = SEED
    resamples: int = RESAMPLES
    confidence: float = CONFIDENCE

    def to_dict(self) -> dict[str, Any]:
        return {"seed": self.seed, "resamples": self.resamples, "confidence": self.confidence,
                "method": "percentile bootstrap over questions (scipy.stats.bootstrap)"}


def _mean(x: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(x, axis=axis)


def bootstrap_ci(values: Sequence[float], config: Bootstrap = Bootstrap()) -> tuple[float, float] | None:
    """Percentile bootstrap interval of the mean; None for fewer than two values.

    Each call starts its own generator from the seed, so an interval does not depend on
    which intervals were computed before it.
    """
    data = np.asarray(values, dtype=float)
    if data.size < 2:
        return None
    if np.all(data == data[0]):  # every resample is the same: the interval is the point
        return float(data[0]), float(data[0])
    result = stats.bootstrap(
        (data,), _mean, n_resamples=config.resamples, confidence_level=config.confidence,
        method="percentile", vectorized=True, rng=np.random.default_rng(config.seed),
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def _mean_difference(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(x - y, axis=axis)


def paired_test(
    baseline: Sequence[float], system: Sequence[float], config: Bootstrap = Bootstrap()
) -> dict[str, Any]:
    """Mean difference ``baseline - system`` on the same questions, its bootstrap interval and
    the two-sided p-value of the paired randomisation test."""
    x = np.asarray(baseline, dtype=float)
    y = np.asarray(system, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"paired test: {x.size} baseline values but {y.size} system values")
    out: dict[str, Any] = {"n": int(x.size), "difference": None, "ci": None, "p_value": None}
    if x.size == 0:
        return out
    out["difference"] = float(np.mean(x - y))
    interval = bootstrap_ci(x - y, config)
    out["ci"] = list(interval) if interval else None
    if np.all(x == y):  # nothing to permute: no evidence of any difference
        out["p_value"] = 1.0
        return out
    result = stats.permutation_test(
        (x, y), _mean_difference, permutation_type="samples", vectorized=True,
        n_resamples=PERMUTATIONS, alternative="two-sided", rng=np.random.default_rng(config.seed),
    )
    out["p_value"] = float(result.pvalue)
    return out


# --------------------------------------------------------------------------- groups of questions

def group_values(rows: Iterable[Mapping[str, Any]], k: int) -> dict[str, list[float]]:
    """Per-question values behind every metric of a group of :func:`eval.metrics.per_question` rows."""
    rows = list(rows)
    values: dict[str, list[float]] = {name: [r["scores"][name] for r in rows if r["gold"]] for name in metric_names(k)}
    values["abstention_precision"] = [0.0 if r["gold"] else 1.0 for r in rows if r["abstained"]]
    values["abstention_recall"] = [1.0 if r["abstained"] else 0.0 for r in rows if not r["gold"]]
    return values


def group_summary(rows: Iterable[Mapping[str, Any]], k: int, config: Bootstrap = Bootstrap()) -> dict[str, Any]:
    """Counts, every metric and its interval for one group of questions (None: n/a)."""
    rows = list(rows)
    values = group_values(rows, k)
    answerable = sum(1 for r in rows if r["gold"])
    out: dict[str, Any] = {
        "questions": len(rows),
        "answerable": answerable,
        "unanswerable": len(rows) - answerable,
        "false_abstentions": sum(1 for r in rows if r["gold"] and r["abstained"]),
        "abstained": sum(1 for r in rows if r["abstained"]),
    }
    intervals: dict[str, list[float] | None] = {}
    for name, vals in values.items():
        out[name] = sum(vals) / len(vals) if vals else None
        interval = bootstrap_ci(vals, config)
        intervals[name] = list(interval) if interval else None
    out["intervals"] = intervals
    return out


def paired_tests(
    system_rows: Sequence[Mapping[str, Any]], baseline_rows: Sequence[Mapping[str, Any]], k: int,
    config: Bootstrap = Bootstrap(),
) -> dict[str, dict[str, Any]]:
    """Baseline minus system on the answerable questions both have, per tested metric."""
    mine = {r["id"]: r for r in system_rows if r["gold"]}
    theirs = {r["id"]: r for r in baseline_rows if r["gold"]}
    common = [qid for qid in mine if qid in theirs]
    out = {}
    for template in TESTED:
        name = template.format(k=k)
        out[name] = paired_test([theirs[q]["scores"][name] for q in common], [mine[q]["scores"][name] for q in common], config)
    return out


def fmt_p(p: float | None) -> str:
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "n/a"
    return "p<0.001" if p < 0.001 else f"p={p:.3f}"


__all__ = [
    "Bootstrap",
    "bootstrap_ci",
    "fmt_p",
    "group_summary",
    "group_values",
    "paired_test",
    "paired_tests",
]
