"""Choose the fusion weights and the abstention rule on the development gold set only.

    python -m eval.tune             # print the search and the chosen values
    python -m eval.tune --write     # also store them in src/treatyqa/calibration.json

Each dev question is retrieved once (dense and lexical candidates, as the hybrid pipeline
sees them); every setting is then scored offline with the same fusion code the API runs.
The abstention rule is fitted on the questions stored in the index (src/treatyqa/data: written
for a clause, or out of scope), each held out from its own neighbours, and its threshold
is placed on the dev questions. The test split is never read here.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import math
import sys
from dataclasses import asdict
from datetime import date

import numpy as np

from treatyqa import offline as _offline  # noqa: F401

from eval.gold import default_gold_paths, load_gold
from eval.metrics import abstention, first_match_rank

logger = logging.getLogger("eval.tune")

LEXICAL = (0.05, 0.1, 0.15, 0.2, 0.3, 0.5)
ARTICLE = (0.0, 0.1, 0.2, 0.3)
ARTICLE_LEXICAL = (0.0, 0.3, 0.6, 1.0)
THRESHOLDS = tuple(round(0.2 + 0.01 * i, 2) for i in range(79))  # abstain above this probability
# A wrong "not in the agreement" is the worst answer (staff stop looking): the threshold may
# withhold at most this share of dev's answerable questions, then abstains as much as it can.
MAX_WITHHELD = 0.01


def collect(qa, gold):
    """Dense and lexical candidates per question, from the hybrid pipeline's retrievers."""
    from treatyqa.retrieval import pipeline_inputs

    pipeline = qa.pipeline("hybrid")
    rows = []
    for q in gold:
        out = pipeline.run(
            pipeline_inputs(q.question),
            include_outputs_from={"normalizer", "dense_retriever", "lexical_retriever", "citations"},
        )
        query, dense = out["normalizer"]["query"], out["dense_retriever"]["documents"]
        langs = query.language.search_langs
        lexical = [d for d in out["lexical_retriever"]["documents"] if d.meta.get("lang") in langs]
        # a typed citation is a look-up: never abstained on, whatever the features say
        features, _ = qa.abstention.judge(query, out["fusion"]["offtopic_gap"], qa.vocabulary, bool(out["citations"]["citations"]))
        rows.append((q, dense, lexical, features))
    return rows


def score_weights(rows, clauses, weights) -> dict[str, tuple[float, float]]:
    from treatyqa.fusion import fuse

    hits: dict[str, list[tuple[bool, bool, float]]] = {"kk": [], "ru": []}
    for q, dense, lexical, _ in rows:
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


def anchor_features(qa):
    """(language, unanswerable, features) for every question the index holds, each scored
    as if it were new: its own document is dropped from its neighbours and its own stems
    from the vocabulary. These are the training examples of the abstention rule."""
    from treatyqa.documents import out_of_scope_documents, question_documents
    from treatyqa.abstention import AbstentionFeatures, offtopic_gap
    from treatyqa.retrieval import pipeline_inputs

    pipeline = qa.pipeline("dense")
    out = []
    for doc in question_documents(qa.agreement) + out_of_scope_documents():
        lang, text = doc.meta["lang"], doc.content
        result = pipeline.run(pipeline_inputs(text, lang), include_outputs_from={"normalizer", "dense_retriever"})
        query = result["normalizer"]["query"]
        dense = [d for d in result["dense_retriever"]["documents"] if d.content != text]
        own = text if doc.meta["level"] == "question" else None
        unknown = qa.vocabulary.unknown_share(query.text, query.language.search_langs, held_out=own)
        out.append((lang, doc.meta["level"] == "offtopic", AbstentionFeatures(offtopic_gap(dense), unknown)))
    return out


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 0.01, steps: int = 3000) -> tuple[np.ndarray, float]:
    """Class-balanced, L2-regularised logistic regression by gradient descent on
    standardised features; returns the weights and bias for the raw features."""
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.c_[(x - mean) / std, np.ones(len(x))]
    sample = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean())) / len(y)
    w = np.zeros(z.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-z @ w))
        w -= 0.5 * (z.T @ ((p - y) * sample) + l2 * np.r_[w[:-1], 0.0])
    coef = w[:-1] / std
    return coef, float(w[-1] - coef @ mean)


def _counts(unanswerable: list[bool], abstained: list[bool]) -> dict[str, float]:
    """Correct, false and missed abstentions, and their F1, from ``eval.metrics.abstention``."""
    m = abstention(unanswerable, abstained, warn=False)
    tp, fp, fn = m["correct"], m["abstained"] - m["correct"], m["unanswerable"] - m["correct"]
    return {"tp": tp, "fp": fp, "fn": fn, "f1": round(2 * tp / (2 * tp + fp + fn), 3) if tp else 0.0}


def tune_abstention(anchors, dev):
    """Per language: fit the rule on the anchors, then place its threshold on dev: among the
    thresholds that withhold at most :data:`MAX_WITHHELD` of the answerable questions, the
    one that abstains on most unanswerable ones (ties: the better F1 on the anchors, then
    fewer withheld)."""
    from treatyqa.abstention import Abstention, LanguageRule

    vec = lambda f: [f.offtopic_gap, f.unknown_share]  # noqa: E731
    rules, report = {}, {}
    for lang in ("kk", "ru"):
        train = [(u, f) for l, u, f in anchors if l == lang]
        coef, bias = fit_logistic(np.array([vec(f) for _, f in train]), np.array([float(u) for u, _ in train]))
        held = [(u, f) for l, u, f in dev if l == lang]
        best = None
        for threshold in THRESHOLDS:
            shift = math.log(threshold / (1 - threshold))
            rule = LanguageRule(round(float(coef[0]), 3), round(float(coef[1]), 3), round(bias - shift, 3))
            on_dev = _counts([u for u, _ in held], [f is not None and rule.score(f) > 0 for _, f in held])
            on_anchors = _counts([u for u, _ in train], [rule.score(f) > 0 for _, f in train])
            answerable = sum(1 for u, _ in held if not u)
            admissible = on_dev["fp"] <= MAX_WITHHELD * answerable
            key = (admissible, on_dev["tp"] if admissible else -on_dev["fp"], on_anchors["f1"], -on_dev["fp"])
            if best is None or key > best[0]:
                best = (key, rule, {"dev": on_dev, "anchors": on_anchors, "threshold": threshold})
        rules[lang], report[lang] = best[1], best[2]
    return Abstention(rules), report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.tune", description=__doc__)
    parser.add_argument("--write", action="store_true", help="store the chosen values in calibration.json")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    from treatyqa.api import CALIBRATION_FILE
    from treatyqa.entry import open_qa

    gold = load_gold(default_gold_paths("dev"), require_answer=True)
    with open_qa() as qa:
        clauses = list(qa.agreement.citations())
        rows = collect(qa, gold)
        anchors = anchor_features(qa)
    ranked = tune_weights(rows, clauses)
    for key, weights, m in ranked[:8]:
        print(f"{asdict(weights)}  " + "  ".join(f"{l}: R@1 {v[0]:.3f} R@3 {v[1]:.3f} MRR {v[2]:.3f}" for l, v in m.items()))
    _, weights, metrics = ranked[0]
    rule, counts = tune_abstention(anchors, [(q.lang, not q.citations, f) for q, _, _, f in rows])
    print(f"chosen weights {asdict(weights)}")
    for lang, rep in counts.items():
        print(f"abstention {lang}: {asdict(rule.rules[lang])} at p > {rep['threshold']}; dev {rep['dev']}; anchors {rep['anchors']}")
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
