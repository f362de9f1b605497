"""Index-side Haystack components."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from haystack import Document, component, default_from_dict, default_to_dict
from haystack.core.serialization import component_from_dict, component_to_dict
from haystack.dataclasses import SparseEmbedding
from haystack.utils import deserialize_type

from treatyqa.lexical import BM25, terms


@component
class LexicalDocumentEmbedder:
    """Adds a BM25-weighted sparse embedding to each document, with per-language terms.

    BM25 statistics are fitted per language on the documents of one run, so run it once
    over the whole corpus. Documents whose ``meta.level`` is in ``exclude_levels`` get an
    empty sparse vector and do not count in the statistics. Usage:

    >>> from haystack import Document
    >>> embedder = LexicalDocumentEmbedder(meta_fields=["context"])
    >>> docs = embedder.run([Document(content="Шығыстар", meta={"lang": "kk"})])["documents"]
    >>> len(docs[0].sparse_embedding.indices)  # a Kazakh word gives two terms: шығы and ^шығыст
    2
    """

    def __init__(
        self,
        meta_fields: list[str] | None = None,
        lang_field: str = "lang",
        default_lang: str = "ru",
        exclude_levels: list[str] | None = None,
    ):
        if not lang_field:
            raise ValueError("lang_field must name the meta field that holds the document's language")
        self.meta_fields = list(meta_fields or [])
        self.lang_field = lang_field
        self.default_lang = default_lang
        self.exclude_levels = list(exclude_levels or [])

    def _text(self, doc: Document) -> str:
        parts = [str(doc.meta[f]) for f in self.meta_fields if doc.meta.get(f)]
        return "\n".join(parts + [doc.content or ""])

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict[str, list[Document]]:
        excluded = [d.meta.get("level") in self.exclude_levels for d in documents]
        doc_terms = [
            [] if skip else terms(self._text(d), d.meta.get(self.lang_field, self.default_lang))
            for d, skip in zip(documents, excluded, strict=True)
        ]
        models: dict[str, BM25] = {}
        for lang in {d.meta.get(self.lang_field, self.default_lang) for d in documents}:
            models[lang] = BM25.fit(
                t
                for t, d, skip in zip(doc_terms, documents, excluded, strict=True)
                if not skip and d.meta.get(self.lang_field, self.default_lang) == lang
            )
        out = []
        for doc, t in zip(documents, doc_terms, strict=True):
            vec = models[doc.meta.get(self.lang_field, self.default_lang)].vector(t)
            out.append(replace(doc, sparse_embedding=SparseEmbedding(indices=vec.indices, values=vec.values)))
        return {"documents": out}

    def to_dict(self) -> dict[str, Any]:
        return default_to_dict(
            self,
            meta_fields=self.meta_fields,
            lang_field=self.lang_field,
            default_lang=self.default_lang,
            exclude_levels=self.exclude_levels,
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LexicalDocumentEmbedder:
        return default_from_dict(cls, data)


@component
class CountedDocumentEmbedder:
    """Runs a document embedder on slices of ``slice_size`` documents and tells ``progress``
    how many were embedded after each slice, so that a build can show n of N (the embedder
    itself reports nothing, or only to its own bar). ``progress`` is not serialised.

    >>> @component
    ... class Doubler:
    ...     @component.output_types(documents=list[Document])
    ...     def run(self, documents: list[Document]):
    ...         return {"documents": [replace(d, content=d.content * 2) for d in documents]}
    >>> seen = []
    >>> counted = CountedDocumentEmbedder(Doubler(), slice_size=2, progress=seen.append)
    >>> [d.content for d in counted.run([Document(content=c) for c in "abc"])["documents"]], seen
    (['aa', 'bb', 'cc'], [2, 1])
    """

    def __init__(self, embedder: Any, slice_size: int = 64, progress: Callable[[int], None] | None = None):
        if not callable(getattr(embedder, "run", None)):
            raise TypeError("embedder must be a Haystack document embedder (a component with run(documents=...))")
        if not isinstance(slice_size, int) or slice_size < 1:
            raise ValueError("slice_size must be a whole number of at least 1")
        self.embedder = embedder
        self.slice_size = slice_size
        self.progress = progress

    def warm_up(self) -> None:
        if hasattr(self.embedder, "warm_up"):
            self.embedder.warm_up()

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict[str, list[Document]]:
        out: list[Document] = []
        for start in range(0, len(documents), self.slice_size):
            part = documents[start : start + self.slice_size]
            out.extend(self.embedder.run(documents=part)["documents"])
            if self.progress is not None:
                self.progress(len(part))
        return {"documents": out}

    def to_dict(self) -> dict[str, Any]:
        inner = component_to_dict(self.embedder, "embedder")
        return default_to_dict(self, embedder=inner, slice_size=self.slice_size)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CountedDocumentEmbedder:
        params = dict(data["init_parameters"])  # the caller's dict stays as it was
        inner = params["embedder"]
        params["embedder"] = component_from_dict(deserialize_type(inner["type"]), inner, "embedder")
        return default_from_dict(cls, {**data, "init_parameters": params})
