"""Clause-level fusion: a clause is one unit with a Kazakh and a Russian text.

Evidence from any document that points at a clause (its text in either language, one of
its list items, a question written for it) counts for that clause; its article's
document adds a smaller share. Dense and lexical evidence are combined per clause, so a
Russian question can win through the Russian text and still cite both versions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from haystack import Document

from treatyqa.domain import Citation


@dataclass(frozen=True)
class FusionWeights:
    """Fallback values; the API uses those chosen on the development gold set by
    ``python -m eval.tune`` and stored in ``treatyqa/calibration.json``."""

    lexical: float = 0.15  # weight of the max-normalised BM25 score
    article: float = 0.1  # share of the article document's dense evidence given to its clauses
    article_lexical: float = 0.6  # the same for its lexical evidence (times ``lexical``)


@dataclass
class ClauseScore:
    citation: Citation  # the clause (item set when a list item was the best evidence)
    dense: float = 0.0
    lexical: float = 0.0
    article_dense: float = 0.0
    article_lexical: float = 0.0
    fused: float = 0.0


def _clause_of(doc: Document) -> Citation:
    return Citation(int(doc.meta["article"]), doc.meta.get("paragraph"))


def fuse(
    dense: list[Document],
    lexical: list[Document],
    all_clauses: Iterable[Citation],
    weights: FusionWeights = FusionWeights(),
) -> list[ClauseScore]:
    """Rank every clause by combined evidence; highest first, ties broken by citation order."""
    top_lex = max((d.score or 0.0 for d in lexical), default=0.0) or 1.0
    per_clause: dict[Citation, ClauseScore] = {c: ClauseScore(c) for c in all_clauses}
    article_dense: dict[int, float] = {}
    article_lex: dict[int, float] = {}
    # per clause and list item (None: the clause as a whole), the best evidence of each kind
    by_item: dict[tuple[str, Citation, int | None], float] = {}

    for source, docs, norm in (("dense", dense, 1.0), ("lexical", lexical, top_lex)):
        for doc in docs:
            score = (doc.score or 0.0) / norm
            if doc.meta.get("level") == "offtopic":  # evidence for abstention only (treatyqa.abstention)
                continue
            if doc.meta.get("level") == "article":
                table = article_dense if source == "dense" else article_lex
                art = int(doc.meta["article"])
                table[art] = max(table.get(art, 0.0), score)
                continue
            clause = _clause_of(doc)
            entry = per_clause.get(clause)
            if entry is None:
                continue
            if source == "dense":
                entry.dense = max(entry.dense, score)
            else:
                entry.lexical = max(entry.lexical, score)
            key = (source, clause, doc.meta.get("item"))
            by_item[key] = max(by_item.get(key, 0.0), score)

    ranked = []
    for clause, entry in per_clause.items():
        entry.article_dense = article_dense.get(clause.article, 0.0)
        entry.article_lexical = article_lex.get(clause.article, 0.0)
        entry.fused = (
            entry.dense
            + weights.lexical * entry.lexical
            + weights.article * entry.article_dense
            + weights.article_lexical * weights.lexical * entry.article_lexical
        )
        item = _best_item(by_item, clause, weights.lexical)
        entry.citation = Citation(clause.article, clause.paragraph, item)
        ranked.append(entry)
    ranked.sort(key=lambda e: (-e.fused, e.citation.article, e.citation.paragraph or 0))
    return ranked


def _best_item(by_item: dict[tuple[str, Citation, int | None], float], clause: Citation, lexical: float) -> int | None:
    """The list item whose own evidence beats the clause-as-a-whole evidence, if any.

    Item documents carry their lead-in, so a question about the whole list also meets
    them; an item wins only when its dense and lexical evidence together is the best.
    """
    items = {item for (_, c, item) in by_item if c == clause}
    if items <= {None}:
        return None

    def combined(item: int | None) -> float:
        return by_item.get(("dense", clause, item), 0.0) + lexical * by_item.get(("lexical", clause, item), 0.0)

    return max(sorted(items, key=lambda i: -1 if i is None else i), key=combined)
