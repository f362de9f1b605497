"""Haystack components of TreatyQA's retrieval side."""

from treatyqa.components.citation_lookup import CitationLookup
from treatyqa.components.clause_fusion import ClauseFusion
from treatyqa.components.lexical_text_embedder import LexicalTextEmbedder
from treatyqa.components.query_normalizer import QueryNormalizer

__all__ = ["CitationLookup", "ClauseFusion", "LexicalTextEmbedder", "QueryNormalizer", "TreatyRetriever"]


def __getattr__(name: str):
    if name == "TreatyRetriever":  # pulls in the whole API; import on demand
        from treatyqa.components.treaty_retriever import TreatyRetriever

        return TreatyRetriever
    raise AttributeError(name)
