"""Haystack component around :func:`treatyqa.normalization.normalize_query`."""

from __future__ import annotations

from typing import Any

from haystack import component, default_from_dict, default_to_dict

from treatyqa.domain import LANGUAGES
from treatyqa.lexicon import Lexicon
from treatyqa.normalization import NormalizedQuery, normalize_query


@component
class QueryNormalizer:
    """Reads a question as staff type it: script, keyboard, typos and language.

    Outputs ``text`` (Latin-script Kazakh in Cyrillic, Kazakh letters restored, typos
    corrected against the index's own words), ``langs`` (the languages whose lexical
    evidence counts: both for a mixed question) and ``query`` (the whole judgement, with
    its evidence). Usage:

    >>> lexicon = {"kk": {"тараптар": 3, "тілін": 1}, "ru": {"стороны": 2}}
    >>> out = QueryNormalizer(lexicon=lexicon).run("taraptar qai tilin?")
    >>> out["text"], out["langs"]
    ('тараптар қай тілін?', ['kk'])
    """

    def __init__(self, lexicon: dict[str, dict[str, int]] | Lexicon):
        lexicon = lexicon if isinstance(lexicon, Lexicon) else Lexicon.from_dict(lexicon)
        if not any(lexicon.counts.get(lang) for lang in LANGUAGES):
            raise ValueError(f"lexicon must hold the index's words for at least one of {', '.join(LANGUAGES)}")
        self.lexicon = lexicon

    @component.output_types(text=str, langs=list[str], query=NormalizedQuery)
    def run(self, text: str, lang: str | None = None) -> dict[str, Any]:
        """``lang`` (kk or ru) is the user's own choice of language, if any."""
        query = normalize_query(text, self.lexicon, lang if lang in LANGUAGES else None)
        return {"text": query.text, "langs": list(query.language.search_langs), "query": query}

    def to_dict(self) -> dict[str, Any]:
        return default_to_dict(self, lexicon=self.lexicon.to_dict())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QueryNormalizer:
        return default_from_dict(cls, data)
