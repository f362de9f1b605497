"""Retrieval and abstention metrics over cited clauses: pure functions, no model, no index.

A ranked clause ``(article, paragraph)`` matches a gold citation when the articles are
equal and the gold paragraph is null or equal. Everything here is computed from three
things only: the gold citations, the ranked clauses and the abstention flag of each
question, so that metrics recomputed from ``eval.run --output`` are exactly the printed ones.

Why not Haystack's ``DocumentRecallEvaluator`` / ``DocumentMRREvaluator`` /
``DocumentNDCGEvaluator``: they compare one document field by equality, while a gold
citation with paragraph null is a wildcard for every clause of its article; their nDCG takes
the ideal DCG over all gold documents with no cut-off at k; and they raise on empty input
where a per-language slice of an evaluator's file can legitimately be empty. We follow their
output shape (``{"score", "individual_scores"}``), their "single hit" recall and their
"credit each relevant document once" nDCG, and the tests check that our functions give
Haystack's numbers wherever the two semantics coincide (exact paragraphs, no cut-off effects).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

logger = logging.getLogger(__name__)

Key = tuple[int, int | None]
LANG_GROUPS = ("kk", "ru", "all")
RECALL_KS = (1, 3, 5)
NDCG_K = 5
NEVER_ABSTAINED = "the system never abstained; abstention precision is n/a"
NO_UNANSWERABLE = "no unanswerable questions; abstention recall is n/a"
NO_ANSWERABLE = "no answerable questions; retrieval metrics are n/a"
NO_QUESTIONS = "no questions in this language; all metrics are n/a"


# --------------------------------------------------------------------------- citations

def as_key(citation: Any) -> Key:
    """``(article, paragraph)`` from a tuple, a ``{"article", "paragraph"}`` dict or a Citation."""
    if isinstance(citation, Mapping):
        return int(citation["article"]), citation.get("paragraph")
    if isinstance(citation, tuple):
        return int(citation[0]), citation[1] if len(citation) > 1 else None
    return int(citation.article), citation.paragraph


def dedup(ranked: Iterable[Any]) -> list[Key]:
    """Ranked clauses as keys, each ``(article, paragraph)`` kept at its first (best) rank.

    List items of one paragraph collapse into that paragraph.
    """
    seen: set[Key] = set()
    out: list[Key] = []
    for entry in ranked:
        key = as_key(entry)
        if key not in seen:
            seen.add(key)
            out.append(key)
    return out


def matches(ranked: Key, gold: Key) -> bool:
    return ranked[0] == gold[0] and (gold[1] is None or ranked[1] == gold[1])


def _matches_any(ranked: Key, gold: Sequence[Key]) -> bool:
    return any(matches(ranked, g) for g in gold)


def first_match_rank(gold: Sequence[Any], ranked: Sequence[Any]) -> int | None:
    """1-based rank of the first ranked clause that matches any gold citation, or None."""
    gold_keys = [as_key(g) for g in gold]
    for rank, key in enumerate(dedup(ranked), start=1):
        if _matches_any(key, gold_keys):
            return rank
    return None


# --------------------------------------------------------------------------- per-question metrics

def _result(scores: list[float], name: str) -> dict[str, Any]:
    if not scores:
        logger.warning("%s: no answerable questions to score; the score is n/a", name)
        return {"score": None, "individual_scores": []}
    return {"score": sum(scores) / len(scores), "individual_scores": scores}


def _pairs(gold: Sequence[Sequence[Any]], ranked: Sequence[Sequence[Any]], name: str):
    if len(gold) != len(ranked):
        raise ValueError(f"{name}: {len(gold)} gold lists but {len(ranked)} ranked lists")
    for index, (g, r) in enumerate(zip(gold, ranked, strict=True)):
        gold_keys = [as_key(c) for c in g]
        if not gold_keys:
            raise ValueError(f"{name}: question {index} has no gold citations; score answerable questions only")
        yield gold_keys, dedup(r)


def recall_at_k(gold: Sequence[Sequence[Any]], ranked: Sequence[Sequence[Any]], k: int) -> dict[str, Any]:
    """Hit rate: 1 if any of the top k clauses matches any gold citation, else 0.

    For a question with two gold citations this is "any", not the fraction found (Haystack's
    ``single_hit`` mode): one of the clauses that answer the question is enough.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    scores = [
        1.0 if any(_matches_any(key, g) for key in r[:k]) else 0.0
        for g, r in _pairs(gold, ranked, f"recall@{k}")
    ]
    return _result(scores, f"recall@{k}")


def mrr(gold: Sequence[Sequence[Any]], ranked: Sequence[Sequence[Any]], k: int | None = None) -> dict[str, Any]:
    """Reciprocal rank of the first matching clause (0 if none in the top k, or anywhere if k is None)."""
    scores = []
    for g, r in _pairs(gold, ranked, "mrr"):
        rank = first_match_rank(g, r[:k] if k else r)
        scores.append(1.0 / rank if rank else 0.0)
    return _result(scores, "mrr")


def dcg(gold: Sequence[Key], ranked: Sequence[Key], k: int) -> float:
    """Binary-relevance DCG of the top k; each gold citation is credited at most once.

    Two clauses of an article cited with paragraph null earn one credit, not two.
    """
    remaining = list(gold)
    total = 0.0
    for i, key in enumerate(ranked[:k]):
        for j, g in enumerate(remaining):
            if matches(key, g):
                total += 1.0 / math.log2(i + 2)
                del remaining[j]
                break
    return total


def ideal_dcg(n_gold: int, k: int) -> float:
    return sum(1.0 / math.log2(i + 2) for i in range(min(n_gold, k)))


def ndcg_at_k(gold: Sequence[Sequence[Any]], ranked: Sequence[Sequence[Any]], k: int = NDCG_K) -> dict[str, Any]:
    """nDCG@k, binary relevance; the ideal DCG puts min(len(gold), k) relevant clauses first."""
    scores = [dcg(g, r, k) / ideal_dcg(len(g), k) for g, r in _pairs(gold, ranked, f"ndcg@{k}")]
    return _result(scores, f"ndcg@{k}")


def first_citation_accuracy(gold: Sequence[Sequence[Any]], ranked: Sequence[Sequence[Any]]) -> dict[str, Any]:
    """1 if the first cited clause answers the question (the citation a user sees first)."""
    scores = [1.0 if r and _matches_any(r[0], g) else 0.0 for g, r in _pairs(gold, ranked, "first_citation_accuracy")]
    return _result(scores, "first_citation_accuracy")


def abstention(
    unanswerable: Sequence[bool], abstained: Sequence[bool], label: str = "abstention", *, warn: bool = True
) -> dict[str, Any]:
    """Abstention as a detector of unanswerable questions (the positives).

    precision = correct abstentions / all abstentions; recall = correct abstentions /
    unanswerable questions. A zero denominator gives None (shown as n/a) and a warning.
    """
    if len(unanswerable) != len(abstained):
        raise ValueError(f"abstention: {len(unanswerable)} gold flags but {len(abstained)} abstention flags")
    correct = sum(1 for u, a in zip(unanswerable, abstained, strict=True) if u and a)
    n_abstained = sum(1 for a in abstained if a)
    n_unanswerable = sum(1 for u in unanswerable if u)
    precision = correct / n_abstained if n_abstained else None
    recall = correct / n_unanswerable if n_unanswerable else None
    if warn and precision is None:
        logger.warning("%s: %s", label, NEVER_ABSTAINED)
    if warn and recall is None:
        logger.warning("%s: %s", label, NO_UNANSWERABLE)
    return {
        "precision": precision,
        "recall": recall,
        "correct": correct,
        "abstained": n_abstained,
        "unanswerable": n_unanswerable,
    }


# --------------------------------------------------------------------------- whole runs

def _gold_map(gold_records: Iterable[Any]) -> dict[str, tuple[str, list[Key]]]:
    out: dict[str, tuple[str, list[Key]]] = {}
    for rec in gold_records:
        if isinstance(rec, Mapping):
            qid, lang, cits = rec["id"], rec["lang"], rec["citations"]
        else:
            qid, lang, cits = rec.id, rec.lang, rec.citations
        out[qid] = (lang, [as_key(c) for c in cits])
    return out


def _join(gold_records: Iterable[Any], questions: Sequence[Mapping[str, Any]]):
    """(lang, gold keys, ranked keys, abstained) per question, matched by id."""
    gold = _gold_map(gold_records)
    rows = []
    seen: set[str] = set()
    for q in questions:
        qid = q["id"]
        if qid not in gold:
            raise ValueError(f"result for question {qid!r} which is not in the gold set")
        if qid in seen:
            raise ValueError(f"two results for question {qid!r}")
        seen.add(qid)
        lang, gold_keys = gold[qid]
        rows.append((lang, gold_keys, dedup(q["ranked"]), bool(q["abstained"])))
    missing = [qid for qid in gold if qid not in seen]
    if missing:
        raise ValueError(f"no result for {len(missing)} gold question(s), e.g. {missing[0]!r}")
    return rows


def _group_metrics(rows: list, k: int, notes: list[str]) -> dict[str, Any]:
    """Metrics of one language group; reasons for n/a values are appended to ``notes``."""
    answerable = [(g, r, a) for _, g, r, a in rows if g]
    out: dict[str, Any] = {
        "questions": len(rows),
        "answerable": len(answerable),
        "unanswerable": len(rows) - len(answerable),
    }
    names = metric_names(k)
    if not answerable:
        if rows:
            notes.append(NO_ANSWERABLE)
        out.update({name: None for name in names})
    else:
        gold = [g for g, _, _ in answerable]
        ranked = [r for _, r, _ in answerable]
        for n in sorted({*RECALL_KS, k}):
            out[f"recall@{n}"] = recall_at_k(gold, ranked, n)["score"]
        out[f"mrr@{k}"] = mrr(gold, ranked, k)["score"]
        out[f"ndcg@{NDCG_K}"] = ndcg_at_k(gold, ranked, NDCG_K)["score"]
        out["first_citation_accuracy"] = first_citation_accuracy(gold, ranked)["score"]
    # Answerable questions the system declined: retrieval metrics above still score their
    # ranked clauses, so this count says how many of those citations a user would not see.
    out["false_abstentions"] = sum(1 for _, _, a in answerable if a)
    if not rows:
        out.update({"abstention_precision": None, "abstention_recall": None, "abstained": 0})
        return out
    result = abstention([not g for _, g, _, _ in rows], [a for _, _, _, a in rows], warn=False)
    if result["precision"] is None:
        notes.append(NEVER_ABSTAINED)
    if result["recall"] is None:
        notes.append(NO_UNANSWERABLE)
    out["abstention_precision"] = result["precision"]
    out["abstention_recall"] = result["recall"]
    out["abstained"] = result["abstained"]
    return out


def compute_metrics(
    gold_records: Iterable[Any], questions: Sequence[Mapping[str, Any]], k: int = 10, label: str = ""
) -> dict[str, dict[str, Any]]:
    """Metrics per language group (``kk``, ``ru``, ``all``) for one system.

    ``gold_records``: :class:`eval.gold.GoldQuestion` objects or dicts with ``id``, ``lang``,
    ``citations``. ``questions``: dicts with ``id``, ``abstained`` and ``ranked`` (rank order;
    tuples, dicts or citations), e.g. the ``questions`` of an ``eval.run --output`` file.
    Retrieval metrics score answerable questions only (their ranked clauses also when the
    system abstained); abstention precision/recall count every question. ``label`` (e.g. the
    system's name) prefixes the warnings about n/a metrics, one warning per reason.
    """
    rows = _join(gold_records, questions)
    result = {}
    groups_by_note: dict[str, list[str]] = {}
    for group in LANG_GROUPS:
        selected = rows if group == "all" else [row for row in rows if row[0] == group]
        notes: list[str] = []
        if not selected:
            notes.append(NO_QUESTIONS)
        result[group] = _group_metrics(selected, k, notes)
        for note in notes:
            groups_by_note.setdefault(note, []).append(group)
    for note, groups in groups_by_note.items():
        logger.warning("%s%s: %s", f"{label} " if label else "", ", ".join(groups), note)
    return result


def metric_names(k: int) -> list[str]:
    """The per-question retrieval metrics of :func:`compute_metrics`, in table order."""
    return [f"recall@{n}" for n in sorted({*RECALL_KS, k})] + [f"mrr@{k}", f"ndcg@{NDCG_K}", "first_citation_accuracy"]


def question_scores(gold_ranked: Sequence[Key], ranked: Sequence[Key], k: int) -> dict[str, float]:
    """Every retrieval metric of one answerable question (the values :func:`compute_metrics` averages)."""
    gold, clauses = [list(gold_ranked)], [list(ranked)]
    out = {f"recall@{n}": recall_at_k(gold, clauses, n)["score"] for n in sorted({*RECALL_KS, k})}
    out[f"mrr@{k}"] = mrr(gold, clauses, k)["score"]
    out[f"ndcg@{NDCG_K}"] = ndcg_at_k(gold, clauses, NDCG_K)["score"]
    out["first_citation_accuracy"] = first_citation_accuracy(gold, clauses)["score"]
    return out


def per_question(gold_records: Iterable[Any], questions: Sequence[Mapping[str, Any]], k: int = 10) -> list[dict[str, Any]]:
    """One row per question: ``id``, ``lang``, ``gold``, ``abstained`` and ``scores`` (empty when unanswerable).

    A group's metric is the mean of its rows' scores (answerable rows only); abstention
    precision is the share of unanswerable rows among the abstained ones, recall the share
    of abstained rows among the unanswerable ones: exactly :func:`compute_metrics` on the group.
    """
    rows = []
    for q, (lang, gold, ranked, abstained) in zip(questions, _join(gold_records, questions), strict=True):
        rows.append({
            "id": q["id"],
            "lang": lang,
            "gold": gold,
            "abstained": abstained,
            "scores": question_scores(gold, ranked, k) if gold else {},
        })
    return rows


def recall_curve(
    gold_records: Iterable[Any], questions: Sequence[Mapping[str, Any]], max_k: int = 10
) -> dict[str, list[float | None]]:
    """recall@1..max_k per language group, for plotting."""
    rows = _join(gold_records, questions)
    curves: dict[str, list[float | None]] = {}
    for group in LANG_GROUPS:
        answerable = [(g, r) for lang, g, r, _ in rows if g and (group == "all" or lang == group)]
        if not answerable:
            curves[group] = [None] * max_k
            continue
        gold = [g for g, _ in answerable]
        ranked = [r for _, r in answerable]
        curves[group] = [recall_at_k(gold, ranked, n)["score"] for n in range(1, max_k + 1)]
    return curves


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolation percentile (numpy's default method); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def latency_summary(latencies_ms: Sequence[float]) -> dict[str, float | None]:
    return {
        "p50": percentile(latencies_ms, 50),
        "p95": percentile(latencies_ms, 95),
        "mean": sum(latencies_ms) / len(latencies_ms) if latencies_ms else None,
        "n": len(latencies_ms),
    }


__all__ = [
    "abstention",
    "as_key",
    "compute_metrics",
    "dcg",
    "dedup",
    "first_citation_accuracy",
    "first_match_rank",
    "ideal_dcg",
    "latency_summary",
    "matches",
    "metric_names",
    "mrr",
    "ndcg_at_k",
    "per_question",
    "percentile",
    "question_scores",
    "recall_at_k",
    "recall_curve",
]
