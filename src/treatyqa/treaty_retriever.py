"""The whole TreatyQA retrieval as one Haystack component, for other teams' pipelines.

An adapter of the facade (:class:`treatyqa.api.TreatyQA`), so it sits beside it rather than
among the building blocks in :mod:`treatyqa.components`.
"""

from __future__ import annotations

from typing import Any

from haystack import Document, component, default_from_dict, default_to_dict

from treatyqa.domain import MAX_TOP_K, MIN_TOP_K, answer_language, check_mode, is_top_k
from treatyqa.settings import Settings


@component
class TreatyRetriever:
    """Ranked clauses of the agreement for a Kazakh or Russian question.

    Each output Document is one clause: ``content`` is its text in the question's language,
    ``meta`` holds the citation (article, paragraph, item, label), both texts, the
    highlight and whether the agreement answers at all (``abstained``); ``answer`` is the
    same JSON result as the CLI and the HTTP API. It opens the index at ``warm_up`` and
    does not build one (``python -m indexing`` does; a missing index raises
    :class:`treatyqa.errors.IndexUnavailable`). Usage:

    ```python
    from haystack import Pipeline
    from treatyqa.treaty_retriever import TreatyRetriever

    pipeline = Pipeline()
    pipeline.add_component("treaty", TreatyRetriever(top_k=3))
    result = pipeline.run({"treaty": {"query": "Кто несет расходы?"}})
    print(result["treaty"]["documents"][0].meta["citation"])  # Статья 9
    ```

    Settings are checked when it is made, before any index is opened:

    >>> TreatyRetriever(top_k=3, mode="lexical").to_dict()["init_parameters"]["mode"]
    'lexical'
    >>> TreatyRetriever(mode="bm25")
    Traceback (most recent call last):
    ...
    ValueError: mode must be one of hybrid, dense, lexical, not 'bm25'
    """

    def __init__(self, top_k: int = 5, mode: str = "hybrid", data_dir: str | None = None, qdrant_url: str | None = None):
        check_mode(mode)
        if not is_top_k(top_k):
            raise ValueError(f"top_k must be from {MIN_TOP_K} to {MAX_TOP_K}, not {top_k!r}")
        self.top_k = top_k
        self.mode = mode
        self.data_dir = data_dir
        self.qdrant_url = qdrant_url
        self._qa = None

    def warm_up(self) -> None:
        if self._qa is None:
            from treatyqa.api import TreatyQA  # haystack, qdrant and the model: only when run

            self._qa = TreatyQA(Settings.from_env(data_dir=self.data_dir or None, qdrant_url=self.qdrant_url or None))

    @component.output_types(documents=list[Document], answer=dict)
    def run(self, query: str, top_k: int | None = None, lang: str | None = None) -> dict[str, Any]:
        self.warm_up()
        answer = self._qa.ask(query, top_k=top_k or self.top_k, lang=lang, mode=self.mode)
        result = answer.to_dict()
        ask_lang = answer_language(answer.language)
        documents = [
            Document(
                id=f"clause:{hit['article']}.{hit['paragraph'] or ''}",
                content=hit["text"][ask_lang],
                meta={**hit, "abstained": answer.abstained, "language": answer.language},
                score=hit["score"],
            )
            for hit in result["hits"]
        ]
        return {"documents": documents, "answer": result}

    def close(self) -> None:
        if self._qa is not None:
            self._qa.close()
            self._qa = None

    def to_dict(self) -> dict[str, Any]:
        return default_to_dict(self, top_k=self.top_k, mode=self.mode, data_dir=self.data_dir, qdrant_url=self.qdrant_url)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TreatyRetriever:
        return default_from_dict(cls, data)
