"""Haystack components of TreatyQA's retrieval side (the whole-app adapter,
:class:`treatyqa.treaty_retriever.TreatyRetriever`, sits beside the facade instead)."""

from treatyqa.components.citation_lookup import CitationLookup
from treatyqa.components.clause_fusion import ClauseFusion
from treatyqa.components.lexical_text_embedder import LexicalTextEmbedder
from treatyqa.components.query_normalizer import QueryNormalizer

__all__ = ["CitationLookup", "ClauseFusion", "LexicalTextEmbedder", "QueryNormalizer"]
