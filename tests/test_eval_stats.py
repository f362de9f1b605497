"""Intervals, paired tests and breakdowns: seeded, consistent with compute_metrics, able to say "no difference"."""

from __future__ import annotations

import random

import pytest
from scipy import stats as scipy_stats

from eval.breakdown import NO_STYLE, breakdown, groups
from eval.gold import GoldQuestion
from eval.metrics import compute_metrics, per_question
from eval.stats import Bootstrap, bootstrap_ci, group_summary, paired_test


def synthetic(n=60, seed=1):
    """n gold questions, some styled, some unanswerable, with ranked lists of varying quality."""
    rnd = random.Random(seed)
    gold, questions = [], []
    for i in range(n):
        lang = "kk" if i % 2 else "ru"
        style = ["plain", "typo", None][i % 3]
        citations = () if i % 10 == 0 else ((rnd.randint(1, 15), None),)
        gold.append(GoldQuestion(f"q{i}", lang, f"question {i}", None, citations, style=style))
        ranked = [(rnd.randint(0, 15), None) for _ in range(6)]
        if citations and rnd.random() < 0.6:
            ranked.insert(rnd.randint(0, 3), citations[0])
        questions.append({"id": f"q{i}", "abstained": rnd.random() < 0.2,
                          "ranked": [{"article": a, "paragraph": p} for a, p in dict.fromkeys(ranked)]})
    return gold, questions


def test_group_summary_gives_exactly_compute_metrics():
    gold, questions = synthetic()
    expected = compute_metrics(gold, questions, 10)
    rows = per_question(gold, questions, 10)
    by_lang = breakdown(rows, gold, "lang", 10)
    for group in ("kk", "ru", "all"):
        summary = {key: value for key, value in by_lang[group].items() if key != "intervals"}
        assert summary == pytest.approx(expected[group])
        for name, interval in by_lang[group]["intervals"].items():
            value = expected[group][name]
            if value is None:  # kk has no unanswerable question here
                assert interval is None
                continue
            assert interval is not None and interval[0] <= value + 1e-12 and value - 1e-12 <= interval[1], name


def test_bootstrap_is_seeded_and_close_to_the_normal_approximation():
    rnd = random.Random(3)
    scores = [rnd.random() for _ in range(50)]
    assert bootstrap_ci(scores) == bootstrap_ci(scores)  # a rerun prints the same
    assert bootstrap_ci(scores, Bootstrap(seed=1)) != bootstrap_ci(scores, Bootstrap(seed=2))
    values = [1.0] * 30 + [0.0] * 10
    low, high = bootstrap_ci(values)
    # normal approximation of a proportion of 0.75 over 40: 0.75 +/- 1.96 * 0.068
    assert low == pytest.approx(0.75 - 0.134, abs=0.03) and high == pytest.approx(0.75 + 0.134, abs=0.03)
    assert bootstrap_ci([1.0]) is None and bootstrap_ci([]) is None
    assert bootstrap_ci([0.5, 0.5, 0.5]) == (0.5, 0.5)


def test_paired_test_sees_a_real_difference_and_not_a_tie():
    better = [1.0] * 40 + [0.0] * 10
    worse = [1.0] * 25 + [0.0] * 25  # 15 questions lost, none gained
    result = paired_test(worse, better)
    assert result["difference"] == pytest.approx(-0.3) and result["p_value"] < 0.001
    assert result["ci"][1] < 0
    # the same score, different questions: half won, half lost -> no evidence
    swapped = [0.0] * 5 + [1.0] * 35 + [1.0] * 5 + [0.0] * 5
    tie = paired_test(swapped, better)
    assert tie["difference"] == 0 and tie["p_value"] > 0.5
    assert paired_test(better, better)["p_value"] == 1.0
    # on binary outcomes the sign-flip test agrees with an exact McNemar (binomial) test
    mixed = [1.0] * 30 + [0.0] * 10 + [1.0] * 4 + [0.0] * 6
    mcnemar = scipy_stats.binomtest(10, 14, 0.5).pvalue  # 10 questions lost, 4 gained
    assert paired_test(mixed, better)["p_value"] == pytest.approx(mcnemar, abs=0.02)
    with pytest.raises(ValueError):
        paired_test([1.0], [1.0, 0.0])


def test_breakdown_groups_by_style_and_cited_article():
    gold = [
        GoldQuestion("a", "kk", "?", None, ((5, 3),), style="typo"),
        GoldQuestion("b", "ru", "?", None, ((12, None), (7, 6)), style="plain"),
        GoldQuestion("c", "ru", "?", None, (), style="unanswerable"),
        GoldQuestion("d", "kk", "?", None, ((5, 1),)),
    ]
    questions = [
        {"id": "a", "abstained": False, "ranked": [{"article": 5, "paragraph": 3}]},
        {"id": "b", "abstained": True, "ranked": [{"article": 7, "paragraph": 6}]},
        {"id": "c", "abstained": True, "ranked": [{"article": 1, "paragraph": None}]},
        {"id": "d", "abstained": False, "ranked": [{"article": 2, "paragraph": 1}]},
    ]
    rows = per_question(gold, questions, 10)
    styles = {q.id: q.style for q in gold}
    assert groups(rows, "style", styles) == {"plain": ["b"], "typo": ["a"], "unanswerable": ["c"], NO_STYLE: ["d"]}
    assert groups(rows, "article") == {"5": ["a", "d"], "7": ["b"], "12": ["b"]}
    by_article = breakdown(rows, gold, "article", 10)
    assert by_article["5"]["recall@1"] == 0.5 and by_article["5"]["questions"] == 2
    assert by_article["7"]["false_abstentions"] == 1
    by_style = breakdown(rows, gold, "style", 10)
    assert by_style["unanswerable"]["abstention_recall"] == 1.0 and by_style["unanswerable"]["recall@1"] is None
    summary = group_summary([], 10)
    assert summary["questions"] == 0 and summary["recall@1"] is None and summary["intervals"]["recall@1"] is None
