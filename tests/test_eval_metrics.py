"""The evaluation's metric functions on hand-made rankings with known answers."""

from __future__ import annotations

import logging
import math

import pytest

from eval.metrics import (
    abstention,
    compute_metrics,
    dcg,
    dedup,
    first_citation_accuracy,
    first_match_rank,
    ideal_dcg,
    latency_summary,
    matches,
    mrr,
    ndcg_at_k,
    percentile,
    recall_at_k,
    recall_curve,
)
from treatyqa.domain import Citation

L2 = math.log2


def test_matching_treats_null_gold_paragraph_as_the_whole_article():
    assert matches((7, 2), (7, None))
    assert matches((9, None), (9, None))
    assert matches((5, 3), (5, 3))
    assert not matches((5, 2), (5, 3))
    assert not matches((5, None), (5, 3))  # a ranked article body is not paragraph 3
    assert not matches((6, 3), (5, None))


def test_dedup_keeps_first_rank_and_collapses_list_items():
    ranked = [Citation(5, 3, 2), Citation(1), Citation(5, 3, 4), {"article": 1, "paragraph": None}, (7, 2)]
    assert dedup(ranked) == [(5, 3), (1, None), (7, 2)]


def test_recall_is_a_hit_rate_at_each_cutoff():
    gold = [[(5, 3)], [(7, None)], [(2, 1)]]
    ranked = [
        [(5, 3), (1, None)],  # rank 1
        [(1, None), (2, 2), (7, 4)],  # rank 3 via the article wildcard
        [(3, 1), (3, 2), (4, None), (5, 1), (5, 2), (2, 1)],  # rank 6
    ]
    assert recall_at_k(gold, ranked, 1) == {"score": 1 / 3, "individual_scores": [1.0, 0.0, 0.0]}
    assert recall_at_k(gold, ranked, 3)["individual_scores"] == [1.0, 1.0, 0.0]
    assert recall_at_k(gold, ranked, 5)["score"] == pytest.approx(2 / 3)
    assert recall_at_k(gold, ranked, 6)["score"] == 1.0


def test_recall_with_two_gold_citations_needs_any_one_of_them():
    gold = [[(5, 3), (6, 1)]]
    assert recall_at_k(gold, [[(6, 1), (9, None)]], 1)["score"] == 1.0
    assert recall_at_k(gold, [[(9, None), (5, 3), (6, 1)]], 3)["score"] == 1.0  # not 2/2 vs 1/2: a hit


def test_duplicates_do_not_push_a_match_out_of_the_top_k():
    # items 5.3.1 and 5.3.2 are one clause, so 2.1 is at rank 2, not rank 3
    gold = [[(2, 1)]]
    ranked = [[Citation(5, 3, 1), Citation(5, 3, 2), Citation(2, 1)]]
    assert recall_at_k(gold, ranked, 2)["score"] == 1.0
    assert mrr(gold, ranked)["score"] == 0.5


def test_mrr_known_values_and_cutoff():
    gold = [[(5, 3)], [(7, None)], [(2, 1)], [(9, None)]]
    ranked = [[(5, 3)], [(1, None), (7, 1)], [(3, 1), (3, 2), (4, None), (2, 1)], [(1, None)]]
    result = mrr(gold, ranked)
    assert result["individual_scores"] == [1.0, 0.5, 0.25, 0.0]
    assert result["score"] == pytest.approx((1 + 0.5 + 0.25) / 4)
    assert mrr(gold, ranked, k=3)["individual_scores"] == [1.0, 0.5, 0.0, 0.0]


def test_ndcg_credits_each_gold_citation_once():
    gold = [(5, 3), (7, None)]
    ranked = [(1, None), (7, 2), (5, 3), (7, 4)]
    # rel = 0, 1, 1, 0 (7.4 matches article 7 again but the citation is already credited)
    expected_dcg = 1 / L2(3) + 1 / L2(4)
    assert dcg(gold, ranked, 5) == pytest.approx(expected_dcg)
    assert ideal_dcg(2, 5) == pytest.approx(1 + 1 / L2(3))
    result = ndcg_at_k([gold], [ranked], 5)
    assert result["individual_scores"][0] == pytest.approx(expected_dcg / (1 + 1 / L2(3)))
    assert result["individual_scores"][0] == pytest.approx(0.6934, abs=1e-4)


def test_ndcg_perfect_single_and_cut_off():
    assert ndcg_at_k([[(5, 3)]], [[(5, 3), (1, None)]], 5)["score"] == 1.0
    assert ndcg_at_k([[(5, 3)]], [[(1, None), (5, 3)]], 5)["score"] == pytest.approx(1 / L2(3))
    six = [(1, None), (2, 1), (2, 2), (3, 1), (3, 2), (5, 3)]
    assert ndcg_at_k([[(5, 3)]], [six], 5)["score"] == 0.0  # rank 6 is past the cut-off
    # ideal DCG uses min(len(gold), k): seven gold clauses all in the top 5 is perfect
    gold7 = [(7, p) for p in range(1, 7)] + [(8, 1)]
    assert ndcg_at_k([gold7], [[(7, 1), (7, 2), (7, 3), (7, 4), (7, 5)]], 5)["score"] == pytest.approx(1.0)


def test_first_citation_accuracy():
    gold = [[(5, 3)], [(7, None)], [(2, 1)], [(1, None)]]
    ranked = [[(5, 3)], [(7, 6), (1, None)], [(2, 2), (2, 1)], []]
    assert first_citation_accuracy(gold, ranked) == {"score": 0.5, "individual_scores": [1.0, 1.0, 0.0, 0.0]}


def test_first_match_rank():
    assert first_match_rank([(7, None)], [(1, None), Citation(7, 3, 1)]) == 2
    assert first_match_rank([{"article": 9, "paragraph": None}], [(1, None)]) is None


def test_unanswerable_questions_are_not_scored_for_retrieval():
    with pytest.raises(ValueError, match="no gold citations"):
        recall_at_k([[]], [[(1, None)]], 1)
    with pytest.raises(ValueError, match="2 gold lists but 1 ranked"):
        mrr([[(1, None)], [(2, 1)]], [[(1, None)]])


def test_empty_input_gives_none_and_a_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="eval.metrics"):
        assert recall_at_k([], [], 1) == {"score": None, "individual_scores": []}
    assert "no answerable questions" in caplog.text


def test_abstention_precision_and_recall():
    unanswerable = [True, True, False, False, True]
    abstained = [True, False, True, False, True]
    result = abstention(unanswerable, abstained)
    assert result["precision"] == pytest.approx(2 / 3)  # 2 correct of 3 abstentions
    assert result["recall"] == pytest.approx(2 / 3)  # 2 found of 3 unanswerable
    assert (result["correct"], result["abstained"], result["unanswerable"]) == (2, 3, 3)


def test_abstention_zero_divisions_are_none_with_warnings(caplog):
    with caplog.at_level(logging.WARNING, logger="eval.metrics"):
        result = abstention([False, True], [False, False])
    assert result["precision"] is None and result["recall"] == 0.0
    assert "never abstained" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="eval.metrics"):
        result = abstention([False, False], [True, False])
    assert result["precision"] == 0.0 and result["recall"] is None
    assert "no unanswerable questions" in caplog.text


GOLD = [
    {"id": "k1", "lang": "kk", "citations": [{"article": 5, "paragraph": 3}]},
    {"id": "k2", "lang": "kk", "citations": [{"article": 7, "paragraph": None}]},
    {"id": "k3", "lang": "kk", "citations": []},
    {"id": "r1", "lang": "ru", "citations": [{"article": 2, "paragraph": 1}, {"article": 6, "paragraph": 4}]},
    {"id": "r2", "lang": "ru", "citations": []},
]
RESULTS = [
    {"id": "k1", "lang": "kk", "abstained": False, "ranked": [{"article": 5, "paragraph": 3}, {"article": 1, "paragraph": None}]},
    {"id": "k2", "lang": "kk", "abstained": True, "ranked": [{"article": 1, "paragraph": None}, {"article": 7, "paragraph": 5}]},
    {"id": "k3", "lang": "kk", "abstained": True, "ranked": [{"article": 9, "paragraph": None}]},
    {"id": "r1", "lang": "ru", "abstained": False, "ranked": [{"article": 3, "paragraph": 1}, {"article": 3, "paragraph": 2},
                                                              {"article": 4, "paragraph": None}, {"article": 6, "paragraph": 4}]},
    {"id": "r2", "lang": "ru", "abstained": False, "ranked": [{"article": 10, "paragraph": None}]},
]


def test_compute_metrics_per_language():
    m = compute_metrics(GOLD, RESULTS, k=10)
    kk, ru, both = m["kk"], m["ru"], m["all"]
    assert (kk["questions"], kk["answerable"], kk["unanswerable"]) == (3, 2, 1)
    assert kk["recall@1"] == 0.5 and kk["recall@3"] == 1.0
    assert kk["mrr@10"] == pytest.approx(0.75)
    assert kk["ndcg@5"] == pytest.approx((1 + 1 / L2(3)) / 2)
    assert kk["first_citation_accuracy"] == 0.5
    # kk: abstained on k2 (answerable) and k3 (unanswerable)
    assert kk["abstention_precision"] == 0.5 and kk["abstention_recall"] == 1.0
    assert kk["false_abstentions"] == 1
    assert ru["recall@3"] == 0.0 and ru["recall@5"] == 1.0 and ru["mrr@10"] == 0.25
    assert ru["ndcg@5"] == pytest.approx((1 / L2(5)) / (1 + 1 / L2(3)))
    assert ru["abstention_precision"] is None and ru["abstention_recall"] == 0.0
    assert both["recall@1"] == pytest.approx(1 / 3)
    assert both["mrr@10"] == pytest.approx((1 + 0.5 + 0.25) / 3)
    assert both["abstention_precision"] == 0.5 and both["abstention_recall"] == 0.5


def test_compute_metrics_k_sets_the_mrr_cutoff_and_adds_recall_at_k():
    m = compute_metrics(GOLD, RESULTS, k=2)
    assert m["ru"]["mrr@2"] == 0.0 and m["ru"]["recall@2"] == 0.0
    assert "mrr@10" not in m["all"]


def test_compute_metrics_requires_one_result_per_gold_question():
    with pytest.raises(ValueError, match="no result"):
        compute_metrics(GOLD, RESULTS[:-1])
    with pytest.raises(ValueError, match="not in the gold set"):
        compute_metrics(GOLD[:-1], RESULTS)


def test_compute_metrics_on_an_empty_language_is_na(caplog):
    with caplog.at_level(logging.WARNING, logger="eval.metrics"):
        m = compute_metrics(GOLD[:3], RESULTS[:3], label="hybrid")
    assert m["ru"]["questions"] == 0 and m["ru"]["recall@1"] is None and m["ru"]["abstention_recall"] is None
    assert "hybrid ru: no questions" in caplog.text


def test_recall_curve_is_monotone_and_matches_recall_at_k():
    curves = recall_curve(GOLD, RESULTS, max_k=5)
    assert curves["kk"] == [0.5, 1.0, 1.0, 1.0, 1.0]
    assert curves["ru"] == [0.0, 0.0, 0.0, 1.0, 1.0]
    assert compute_metrics(GOLD, RESULTS)["all"]["recall@3"] == curves["all"][2]


def test_percentiles_match_numpy_linear():
    np = pytest.importorskip("numpy")
    values = [12.0, 3.5, 7.25, 40.0, 9.0, 11.0, 8.0]
    for q in (0, 50, 95, 100):
        assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)))
    assert latency_summary([]) == {"p50": None, "p95": None, "mean": None, "n": 0}
    assert latency_summary([10.0, 20.0])["p50"] == 15.0


def test_agrees_with_haystack_evaluators_where_semantics_coincide():
    """Exact paragraphs, at most 5 gold clauses, no duplicates: Haystack's evaluators and ours agree.

    (With a paragraph-null gold citation Haystack's equality would miss every clause of the article.)
    """
    from haystack import Document
    from haystack.components.evaluators import DocumentMRREvaluator, DocumentNDCGEvaluator, DocumentRecallEvaluator

    gold = [[(5, 3)], [(7, 2), (6, 1)], [(2, 1)], [(11, 3)]]
    ranked = [
        [(5, 3), (1, None), (2, 1)],
        [(1, None), (6, 1), (7, 1), (7, 2), (8, 1)],
        [(3, 1), (3, 2), (4, None), (5, 1), (5, 2)],
        [(11, 1), (11, 3)],
    ]

    def docs(keys):
        return [Document(content=f"{a}.{p}") for a, p in keys]

    hs_gold = [docs(g) for g in gold]
    hs_ranked = [docs(r[:5]) for r in ranked]
    hs_recall = DocumentRecallEvaluator(mode="single_hit").run(hs_gold, hs_ranked)
    hs_mrr = DocumentMRREvaluator().run(hs_gold, hs_ranked)
    hs_ndcg = DocumentNDCGEvaluator().run(hs_gold, hs_ranked)
    ours_recall = recall_at_k(gold, ranked, 5)
    ours_mrr = mrr(gold, ranked, 5)
    ours_ndcg = ndcg_at_k(gold, ranked, 5)
    assert ours_recall["individual_scores"] == hs_recall["individual_scores"]
    assert ours_mrr["individual_scores"] == pytest.approx(hs_mrr["individual_scores"])
    assert ours_ndcg["individual_scores"] == pytest.approx(hs_ndcg["individual_scores"])
    assert ours_ndcg["score"] == pytest.approx(hs_ndcg["score"])


def test_na_warnings_are_one_per_reason_naming_the_groups(caplog):
    never = [{**r, "abstained": False} for r in RESULTS]
    with caplog.at_level(logging.WARNING, logger="eval.metrics"):
        m = compute_metrics(GOLD, never, label="lexical")
    assert all(m[g]["abstention_precision"] is None for g in ("kk", "ru", "all"))
    assert [r.getMessage() for r in caplog.records] == [
        "lexical kk, ru, all: the system never abstained; abstention precision is n/a"
    ]
