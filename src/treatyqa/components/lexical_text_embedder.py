"""Query-side sparse embedding with the same per-language terms as the index."""

from __future__ import annotations

from typing import Any

from haystack import component, default_from_dict, default_to_dict
from haystack.dataclasses import SparseEmbedding

from treatyqa.domain import LANGUAGES
from treatyqa.lexical import query_vector


@component
class LexicalTextEmbedder:
    """Turns a question into a sparse vector whose dot product with a document is BM25.

    >>> embedding = LexicalTextEmbedder().run("Шығыстарды кім көтереді?", lang="kk")["sparse_embedding"]
    >>> len(embedding.indices), set(embedding.values)  # шығы, ^шығыст, көте, ^көтере; кім is a function word
    (4, {1.0})
    """

    def __init__(self, default_lang: str = "ru"):
        if default_lang not in LANGUAGES:
            raise ValueError(f"default_lang must be one of {LANGUAGES}, not {default_lang!r}")
        self.default_lang = default_lang

    @component.output_types(sparse_embedding=SparseEmbedding)
    def run(self, text: str, lang: str | None = None, langs: list[str] | None = None) -> dict[str, SparseEmbedding]:
        """``langs`` (several languages, for a mixed question) wins over ``lang``."""
        chosen = [code for code in langs or [lang] if code in LANGUAGES] or [self.default_lang]
        vec = query_vector(text, chosen)
        return {"sparse_embedding": SparseEmbedding(indices=vec.indices, values=vec.values)}

    def to_dict(self) -> dict[str, Any]:
        return default_to_dict(self, default_lang=self.default_lang)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LexicalTextEmbedder:
        return default_from_dict(cls, data)
