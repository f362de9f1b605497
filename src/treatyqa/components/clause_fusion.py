"""Haystack component around :func:`treatyqa.fusion.fuse`."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from haystack import Document, component, default_from_dict, default_to_dict

from treatyqa.abstention import offtopic_gap
from treatyqa.domain import Citation, check_mode
from treatyqa.fusion import FusionWeights, fuse


@component
class ClauseFusion:
    """Ranks clauses by the evidence of the documents that point at them, in any language.

    Outputs one Document per clause (``meta``: article, paragraph, item, score parts, and
    ``pinned`` for a clause the question cites), best first; ``pinned`` clauses come first, in
    the order given; and the question's ``offtopic_gap`` (None without dense evidence), which
    :meth:`treatyqa.abstention.Abstention.judge` reads. Usage:

    >>> fusion = ClauseFusion(clauses=[[5, 3], [9, None]], mode="dense")
    >>> d = Document(content="…", meta={"article": 9, "paragraph": None, "level": "clause"}, score=0.8)
    >>> fusion.run(dense_documents=[d])["documents"][0].meta["article"]
    9
    """

    def __init__(self, clauses: list[list[int | None]], mode: str = "hybrid", weights: dict[str, float] | None = None):
        check_mode(mode)
        if not clauses:
            raise ValueError("clauses must list the agreement's clause identities as [article, paragraph] pairs")
        self.clauses = [list(c) for c in clauses]
        self.mode = mode
        self.weights = FusionWeights(**(weights or {}))

    @component.output_types(documents=list[Document], offtopic_gap=float | None)
    def run(
        self,
        dense_documents: list[Document] | None = None,
        lexical_documents: list[Document] | None = None,
        langs: list[str] | None = None,
        pinned: list[list[int | None]] | None = None,
    ) -> dict[str, Any]:
        """``langs``: the languages whose lexical evidence counts (all when None);
        ``pinned``: clauses the question cites, as [article, paragraph] pairs."""
        dense = (dense_documents or []) if self.mode != "lexical" else []
        lexical = (lexical_documents or []) if self.mode != "dense" else []
        if langs is not None:  # lexical evidence counts in the question's language(s) only
            lexical = [d for d in lexical if d.meta.get("lang") in langs]
        ranked = fuse(dense, lexical, (Citation(a, p) for a, p in self.clauses), self.weights)
        cited = [Citation(a, p) for a, p in pinned or []]
        if cited:  # a typed citation is a look-up: those clauses first, as typed
            ranked.sort(key=lambda e: cited.index(e.citation.clause) if e.citation.clause in cited else len(cited))
        gap = offtopic_gap(dense)
        out = []
        for entry in ranked:
            cit = entry.citation
            out.append(
                Document(
                    id=f"clause:{cit.clause.key()}",
                    content=None,
                    meta={
                        "article": cit.article,
                        "paragraph": cit.paragraph,
                        "item": cit.item,
                        "dense": entry.dense,
                        "lexical": entry.lexical,
                        "article_dense": entry.article_dense,
                        "article_lexical": entry.article_lexical,
                        "pinned": cit.clause in cited,
                    },
                    score=entry.fused,
                )
            )
        return {"documents": out, "offtopic_gap": gap}

    def to_dict(self) -> dict[str, Any]:
        return default_to_dict(self, clauses=self.clauses, mode=self.mode, weights=asdict(self.weights))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClauseFusion:
        return default_from_dict(cls, data)
