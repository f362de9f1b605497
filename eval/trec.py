"""TREC run and qrels files, so that ``trec_eval`` or ``ir_measures`` can check our figures.

A document id is a clause: ``5.3`` (article 5, paragraph 3), ``9`` (an article without
numbered paragraphs), ``0`` (the preamble). A gold citation with paragraph null stands for
every clause of its article, so the qrels list each of them as relevant. Unanswerable
questions have no qrels line, and the usual tools skip questions without judgements, as our
retrieval metrics do.

With these files ``Success@n`` is our R@n and ``RR@k`` our MRR@k exactly. ``nDCG@5`` is ours
as long as no gold citation covers a whole article that has numbered paragraphs (none in the
project's gold set): we credit such a citation once, the qrels credit each of its clauses.

>>> run_lines("hybrid", [{"id": "q1", "ranked": [{"article": 5, "paragraph": 3}, {"article": 9, "paragraph": None}]}])
['q1 Q0 5.3 1 2 hybrid', 'q1 Q0 9 2 1 hybrid']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from eval.gold import GoldQuestion
from eval.metrics import as_key, dedup
from treatyqa.domain import Citation


def doc_id(citation: Any) -> str:
    """The clause's own stable key (``Citation.key``)."""
    return Citation(*as_key(citation)).key()


def _qid(question_id: str) -> str:
    if not question_id or any(ch.isspace() for ch in question_id):
        raise ValueError(f"question id {question_id!r} cannot go into a TREC file (it holds white space)")
    return question_id


def run_lines(tag: str, questions: Iterable[Mapping[str, Any]]) -> list[str]:
    """``qid Q0 docid rank score tag``; the score falls with the rank (tools sort by score)."""
    lines = []
    for q in questions:
        ranked = dedup(q["ranked"])
        for rank, key in enumerate(ranked, start=1):
            lines.append(f"{_qid(q['id'])} Q0 {doc_id(key)} {rank} {len(ranked) - rank + 1} {tag}")
    return lines


def qrels_lines(gold: Iterable[GoldQuestion], clauses: Sequence[tuple[int, int | None]]) -> list[str]:
    """``qid 0 docid 1`` for every clause a gold citation covers; ``clauses``: the agreement's (article, paragraph)."""
    lines = []
    for q in gold:
        relevant: dict[str, None] = {}
        for article, paragraph in q.citations:
            for clause in clauses:
                if clause[0] == article and (paragraph is None or clause[1] == paragraph):
                    relevant[doc_id(clause)] = None
        lines.extend(f"{_qid(q.id)} 0 {d} 1" for d in relevant)
    return lines


def agreement_clauses(agreement=None) -> list[tuple[int, int | None]]:
    """Every (article, paragraph) of the agreement, list items folded into their paragraph."""
    if agreement is None:
        from treatyqa.corpus import load_agreement

        agreement = load_agreement()
    return dedup(c.clause for c in agreement.citations())


def write_lines(path: Path, lines: Sequence[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


__all__ = ["agreement_clauses", "doc_id", "qrels_lines", "run_lines", "write_lines"]
