"""Where a system fails: its figures per language, per question style and per cited article.

A question citing two articles counts under both; unanswerable questions cite none and
appear only in the language and style tables. Questions without a ``style`` are grouped as
``(none)``.

>>> rows = [{"id": "a", "lang": "kk", "gold": [(5, 3)], "abstained": False, "scores": {}}]
>>> groups(rows, "article")
{'5': ['a']}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from eval.gold import STYLES, GoldQuestion
from eval.metrics import LANG_GROUPS
from eval.stats import Bootstrap, group_summary

NO_STYLE = "(none)"
DIMENSIONS = ("lang", "style", "article")


def _keys(row: Mapping[str, Any], dimension: str, styles: Mapping[str, str | None]) -> list[str]:
    if dimension == "lang":
        return [row["lang"], "all"]
    if dimension == "style":
        return [styles.get(row["id"]) or NO_STYLE]
    if dimension == "article":
        return [str(a) for a in dict.fromkeys(a for a, _ in row["gold"])]
    raise ValueError(f"unknown breakdown {dimension!r}; choose one of {', '.join(DIMENSIONS)}")


def _order(dimension: str, key: str) -> tuple:
    if dimension == "lang":
        return (LANG_GROUPS.index(key) if key in LANG_GROUPS else len(LANG_GROUPS), key)
    if dimension == "style":
        return (STYLES.index(key) if key in STYLES else len(STYLES), key)
    return (int(key),)


def groups(
    rows: Sequence[Mapping[str, Any]], dimension: str, styles: Mapping[str, str | None] | None = None
) -> dict[str, list[str]]:
    """Group key -> question ids, in a stable order (languages kk, ru, all; styles as in the gold format)."""
    out: dict[str, list[str]] = {}
    for row in rows:
        for key in _keys(row, dimension, styles or {}):
            out.setdefault(key, []).append(row["id"])
    return {key: out[key] for key in sorted(out, key=lambda key: _order(dimension, key))}


def breakdown(
    rows: Sequence[Mapping[str, Any]], gold: Sequence[GoldQuestion], dimension: str, k: int,
    config: Bootstrap = Bootstrap(),
) -> dict[str, dict[str, Any]]:
    """Group key -> :func:`eval.stats.group_summary` of that group's questions."""
    by_id = {r["id"]: r for r in rows}
    styles = {q.id: q.style for q in gold}
    return {key: group_summary([by_id[i] for i in ids], k, config) for key, ids in groups(rows, dimension, styles).items()}


__all__ = ["DIMENSIONS", "NO_STYLE", "breakdown", "groups"]
