"""Haystack component around :func:`treatyqa.citation_query.lookup`."""

from __future__ import annotations

from typing import Any

from haystack import component, default_from_dict, default_to_dict

from treatyqa.citation_query import lookup
from treatyqa.domain import Citation


@component
class CitationLookup:
    """Finds citations typed into the question (``ст. 8 п. 3``, ``5-бап 3-тармақ``, ``8.3``,
    ``преамбула``) and outputs the clauses they name, which fusion then puts first; those the
    agreement lacks (``missing``); and whether the question is only citations (``bare``). Usage:

    >>> CitationLookup(clauses=[[8, 3], [9, None]]).run("статья 8 пункт 3")["citations"]
    [[8, 3]]
    >>> CitationLookup(clauses=[[8, 3], [9, None]]).run("Статья 16")
    {'citations': [], 'missing': [[16, None]], 'bare': True}
    """

    def __init__(self, clauses: list[list[int | None]]):
        if not clauses:
            raise ValueError("clauses must list the agreement's clause identities as [article, paragraph] pairs")
        self.clauses = [list(c) for c in clauses]
        self._known = [Citation(a, p) for a, p in self.clauses]

    @component.output_types(citations=list[list[int | None]], missing=list[list[int | None]], bare=bool)
    def run(self, text: str) -> dict[str, Any]:
        found = lookup(text, self._known)
        return {
            "citations": [[c.article, c.paragraph] for c in found.cited],
            "missing": [[c.article, c.paragraph] for c in found.missing],
            "bare": found.bare,
        }

    def to_dict(self) -> dict[str, Any]:
        return default_to_dict(self, clauses=self.clauses)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CitationLookup:
        return default_from_dict(cls, data)
