"""Choose the fusion weights and the abstention rule on the development gold set only.

    python -m eval.tune             # print the search and the chosen values
    python -m eval.tune --write     # also store them in src/treatyqa/calibration.json

Each dev question is retrieved once (dense and lexical candidates, as the hybrid pipeline
sees them); every setting is then scored offline with the same fusion code the API runs.
The test split is never read here.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import sys
from dataclasses import asdict
from datetime import date

from treatyqa import offline as _offline  # noqa: F401

from eval.gold import default_gold_paths, load_gold
from eval.metrics import first_match_rank

logger = logging.getLogger("eval.tune")

LEXICAL = (0.05, 0.1, 0.15, 0.2, 0.3, 0.5)
ARTICLE = (0.0, 0.1, 0.2, 0.3)
ARTICLE_LEXICAL = (0.0, 0.3, 0.6, 1.0)
MARGIN = (-0.03, -0.025, -0.02, -0.015, -0.01, -0.005, 0.0, 0.005, 0.01, 0.015, 0.02, 0.03, 1.0)


def collect(qa, gold):
    """Dense and lexical candidates per question, from the hybrid pipeline's retrievers."""
    from treatyqa.language import detect_language
    from treatyqa.retrieval import pipeline_inputs

    pipeline = qa._pipelines["hybrid"]
    rows = []
    for q in gold:
        lang = detect_language(q.question).lang
        lang = lang if lang in ("kk", "ru") else "ru"
        out = pipeline.run(
            pipeline_inputs("hybrid", q.question, lang), include_outputs_from={"dense_retriever", "lexical_retriever"}
        )
        rows.append((q, out["dense_retriever"]["documents"], out["lexical_retriever"]["documents"]))
    return rows


def score_weights(rows, clauses, weights) -> dict[str, tuple[float, float]]:
    from treatyqa.fusion import fuse

    hits: dict[str, list[tuple[bool, bool, float]]] = {"kk": [], "ru": []}
    for q, dense, lexical in rows:
        if not q.citations:
            continue
        ranked = [e.citation for e in fuse(dense, lexical, clauses, weights)]
        rank = first_match_rank(q.citations, ranked)
        hits[q.lang].append((rank == 1, rank is not None and rank <= 3, 1 / rank if rank else 0.0))
    return {lang: tuple(sum(col) / len(v) for col in zip(*v)) for lang, v in hits.items() if v}


def tune_weights(rows, clauses):
    from treatyqa.fusion import FusionWeights

    results = []
    for lx, ar, al in itertools.product(LEXICAL, ARTICLE, ARTICLE_LEXICAL):
        weights = FusionWeights(lx, ar, al)
        m = score_weights(rows, clauses, weights)
        # the weaker language first: both must clear the bar; then R@1, R@3, MRR over both
        key = (min(v[0] for v in m.values()),) + tuple(round(sum(v[i] for v in m.values()), 6) for i in range(3))
        results.append((key, weights, m))
    results.sort(key=lambda r: r[0], reverse=True)
    return results


def tune_abstention(rows, clauses, weights):
    """Per language: the margin with the best F1 on unanswerable questions, then fewest
    false abstentions."""
    from treatyqa.answering import Abstention
    from treatyqa.fusion import fuse

    tops: dict[str, list[tuple[bool, float]]] = {"kk": [], "ru": []}
    for q, dense, lexical in rows:
        top = fuse(dense, lexical, clauses, weights)[0]
        tops[q.lang].append((not q.citations, top.offtopic - top.dense))
    margins: dict[str, float] = {}
    counts: dict[str, dict[str, float]] = {}
    for lang, values in tops.items():
        best = None
        for margin in MARGIN:
            decide = [(u, gap > margin) for u, gap in values]
            tp = sum(u and a for u, a in decide)
            fp = sum(a and not u for u, a in decide)
            fn = sum(u and not a for u, a in decide)
            f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
            if best is None or (f1, -fp) > best[0]:
                best = ((f1, -fp), margin, {"tp": tp, "fp": fp, "fn": fn, "f1": round(f1, 3)})
        margins[lang], counts[lang] = best[1], best[2]
    return Abstention(offtopic_margin=margins), counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.tune", description=__doc__)
    parser.add_argument("--write", action="store_true", help="store the chosen values in calibration.json")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    from treatyqa.api import CALIBRATION_FILE, TreatyQA

    gold = load_gold(default_gold_paths("dev"), require_answer=True)
    with TreatyQA() as qa:
        clauses = list(qa.agreement.citations())
        rows = collect(qa, gold)
    ranked = tune_weights(rows, clauses)
    for key, weights, m in ranked[:8]:
        print(f"{asdict(weights)}  " + "  ".join(f"{l}: R@1 {v[0]:.3f} R@3 {v[1]:.3f} MRR {v[2]:.3f}" for l, v in m.items()))
    _, weights, metrics = ranked[0]
    rule, counts = tune_abstention(rows, clauses, weights)
    print(f"chosen weights {asdict(weights)}; abstention {asdict(rule)} on dev: {counts}")
    if args.write:
        CALIBRATION_FILE.write_text(
            json.dumps(
                {
                    "weights": asdict(weights),
                    "abstention": asdict(rule),
                    "tuned_on": "eval/gold/dev.jsonl",
                    "date": date.today().isoformat(),
                    "dev_recall": {l: {"r1": round(v[0], 3), "r3": round(v[1], 3), "mrr": round(v[2], 3)} for l, v in metrics.items()},
                    "dev_abstention": counts,
                },
                indent=2,
                ensure_ascii=False,
            )
            + "\n",
            encoding="utf-8",
        )
        print(f"wrote {CALIBRATION_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
