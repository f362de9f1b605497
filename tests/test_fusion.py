"""Clause-level rank fusion (treatyqa.fusion) over the agreement's real clauses, with
retrieved documents written by hand (scores are the input here, not a model's output)."""

from __future__ import annotations

import pytest
from haystack import Document

from treatyqa.corpus import load_agreement
from treatyqa.domain import Citation
from treatyqa.fusion import FusionWeights, _best_item, fuse

WEIGHTS = FusionWeights(lexical=0.5, article=0.1, article_lexical=0.6)


@pytest.fixture(scope="module")
def clauses() -> tuple[Citation, ...]:
    return load_agreement().citations()


def doc(level: str, score: float, article: int, paragraph: int | None = None, item: int | None = None,
        lang: str = "ru") -> Document:
    meta = {"level": level, "lang": lang, "article": article, "paragraph": paragraph, "item": item}
    return Document(content="…", meta=meta, score=score)


def by_clause(ranked) -> dict[Citation, object]:
    return {entry.citation.clause: entry for entry in ranked}


def test_every_clause_is_ranked_and_ties_keep_the_agreements_order(clauses):
    ranked = fuse([], [], clauses, WEIGHTS)
    assert [e.citation for e in ranked] == list(clauses)  # all at zero: preamble, 1, 2.1, 2.2, ...
    assert all(e.fused == 0.0 for e in ranked)


def test_dense_and_max_normalised_lexical_evidence_add_up(clauses):
    dense = [doc("clause", 0.8, 9), doc("clause", 0.7, 5, 3)]
    lexical = [doc("clause", 12.0, 5, 3), doc("clause", 3.0, 9)]
    ranked = fuse(dense, lexical, clauses, WEIGHTS)
    entries = by_clause(ranked)
    assert entries[Citation(5, 3)].lexical == 1.0 and entries[Citation(9)].lexical == 0.25
    assert entries[Citation(5, 3)].fused == pytest.approx(0.7 + 0.5 * 1.0)
    assert entries[Citation(9)].fused == pytest.approx(0.8 + 0.5 * 0.25)
    assert [e.citation for e in ranked[:2]] == [Citation(5, 3), Citation(9)]  # lexical evidence decided


def test_either_language_counts_for_the_clause_and_the_best_document_wins(clauses):
    dense = [doc("clause", 0.6, 8, 3, lang="kk"), doc("question", 0.9, 8, 3, lang="ru"), doc("clause", 0.5, 8, 3)]
    entry = by_clause(fuse(dense, [], clauses, WEIGHTS))[Citation(8, 3)]
    assert entry.dense == 0.9 and entry.fused == pytest.approx(0.9)


def test_the_article_document_gives_a_share_to_each_of_its_clauses(clauses):
    ranked = fuse([doc("article", 0.9, 7)], [doc("article", 4.0, 7), doc("clause", 8.0, 1)], clauses, WEIGHTS)
    entries = by_clause(ranked)
    article_7 = [c for c in clauses if c.article == 7]
    assert len(article_7) == 6
    for citation in article_7:
        entry = entries[citation]
        assert (entry.article_dense, entry.article_lexical) == (0.9, 0.5)
        assert entry.fused == pytest.approx(0.1 * 0.9 + 0.6 * 0.5 * 0.5)
    assert entries[Citation(8, 1)].fused == 0.0
    assert len(ranked) == len(clauses)  # the article itself is not a ranked unit


def test_out_of_scope_and_unknown_clauses_are_no_evidence(clauses):
    dense = [doc("offtopic", 0.99, 0), doc("clause", 0.95, 5, 9), doc("clause", 0.95, 16)]
    ranked = fuse(dense, [], clauses, WEIGHTS)
    assert all(e.fused == 0.0 for e in ranked) and len(ranked) == len(clauses)


def test_no_lexical_score_above_zero_divides_by_one(clauses):
    entries = by_clause(fuse([], [doc("clause", 0.0, 9), doc("clause", None, 4)], clauses, WEIGHTS))
    assert entries[Citation(9)].lexical == 0.0 and entries[Citation(4)].lexical == 0.0


def test_a_list_item_is_cited_when_its_own_evidence_is_the_best(clauses):
    dense = [doc("clause", 0.80, 5, 3), doc("item", 0.78, 5, 3, 2), doc("item", 0.70, 5, 3, 4)]
    lexical = [doc("item", 10.0, 5, 3, 2), doc("clause", 5.0, 5, 3)]
    top = fuse(dense, lexical, clauses, WEIGHTS)[0]
    # item 2: 0.78 + 0.5 * 1.0 beats the clause as a whole: 0.80 + 0.5 * 0.5
    assert top.citation == Citation(5, 3, 2)
    assert top.dense == 0.80 and top.lexical == 1.0  # the clause's evidence is the best of all its documents
    whole = fuse(dense, [doc("clause", 10.0, 5, 3), doc("item", 5.0, 5, 3, 2)], clauses, WEIGHTS)[0]
    assert whole.citation == Citation(5, 3)


def test_best_item_prefers_the_whole_clause_then_the_first_item_on_a_tie():
    clause = Citation(2, 1)
    assert _best_item({}, clause, 0.5) is None
    assert _best_item({("dense", clause, None): 0.7}, clause, 0.5) is None
    tie = {("dense", clause, None): 0.7, ("dense", clause, 3): 0.7, ("dense", clause, 1): 0.7}
    assert _best_item(tie, clause, 0.5) is None
    del tie[("dense", clause, None)]
    assert _best_item(tie, clause, 0.5) == 1
    # the lexical weight decides between dense and lexical evidence
    mixed = {("dense", clause, 4): 0.8, ("dense", clause, 5): 0.6, ("lexical", clause, 5): 1.0}
    assert _best_item(mixed, clause, 0.1) == 4 and _best_item(mixed, clause, 0.5) == 5
    # another clause's items are not this clause's
    assert _best_item({("dense", Citation(2, 2), 1): 0.9}, clause, 0.5) is None
