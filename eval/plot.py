"""recall@k curves (k = 1..10) per system, one panel per language group, as a PNG."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on evaluation machines; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402

from eval.metrics import LANG_GROUPS  # noqa: E402

TITLES = {"kk": "Kazakh questions", "ru": "Russian questions", "all": "all questions"}


def plot_recall_curves(curves: Mapping[str, Mapping[str, Sequence[float | None]]], path: str | Path) -> Path:
    """``curves[system][lang]`` is recall@1..n; systems are drawn in the order given."""
    path = Path(path)
    fig, axes = plt.subplots(1, len(LANG_GROUPS), figsize=(4.2 * len(LANG_GROUPS), 3.8), sharey=True)
    for ax, group in zip(axes, LANG_GROUPS, strict=True):
        for system, per_lang in curves.items():
            values = per_lang.get(group) or []
            points = [(k, v) for k, v in enumerate(values, start=1) if v is not None]
            if points:
                ax.plot([k for k, _ in points], [v for _, v in points], marker="o", markersize=3, label=system)
        n = max((len(per_lang.get(group) or []) for per_lang in curves.values()), default=10)
        ax.set_title(TITLES.get(group, group))
        ax.set_xlabel("k")
        ax.set_xticks(range(1, max(n, 1) + 1))
        ax.set_ylim(0, 1.02)
        ax.grid(True, alpha=0.3)
    axes[0].set_ylabel("recall@k (any gold clause in top k)")
    axes[-1].legend(loc="lower right")
    fig.suptitle("TreatyQA: recall@k by system")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


__all__ = ["plot_recall_curves"]
