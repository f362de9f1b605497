"""The Haystack indexing pipeline: route, embed (dense and sparse), write."""

from __future__ import annotations

from collections.abc import Callable

from haystack import Pipeline
from haystack.components.joiners import DocumentJoiner
from haystack.components.routers import MetadataRouter
from haystack.components.writers import DocumentWriter
from haystack.document_stores.types import DuplicatePolicy
from haystack_integrations.document_stores.qdrant import QdrantDocumentStore

from indexing.components import CountedDocumentEmbedder, LexicalDocumentEmbedder
from treatyqa.embedding.prompts import ModelPrompts


def build_indexing_pipeline(
    model: str, prompts: ModelPrompts, store: QdrantDocumentStore, progress: Callable[[int], None] | None = None
) -> Pipeline:
    """Clause text is embedded as a passage (with its title / lead-in as context); the
    questions written for clauses as queries, since e5 compares question with question
    best under the ``query: `` prompt. ``progress(n)`` is told of every n documents embedded."""
    # sentence-transformers brings torch (seconds to import): only a build pays for it, not
    # whatever imports this module (the doctest collection of the fast tests does)
    from haystack_integrations.components.embedders.sentence_transformers import SentenceTransformersDocumentEmbedder

    pipeline = Pipeline()
    pipeline.add_component(
        "router",
        MetadataRouter(
            rules={
                "questions": {"field": "meta.level", "operator": "in", "value": ["question", "offtopic"]},
                "passages": {"field": "meta.level", "operator": "not in", "value": ["question", "offtopic"]},
            }
        ),
    )
    pipeline.add_component(
        "passage_embedder",
        CountedDocumentEmbedder(
            SentenceTransformersDocumentEmbedder(
                model=model, prefix=prompts.passage, meta_fields_to_embed=["context"], progress_bar=False, batch_size=16
            ),
            slice_size=32,  # passages are long: a count every few seconds
            progress=progress,
        ),
    )
    pipeline.add_component(
        "question_embedder",
        CountedDocumentEmbedder(
            SentenceTransformersDocumentEmbedder(model=model, prefix=prompts.query, progress_bar=False, batch_size=32),
            slice_size=128,
            progress=progress,
        ),
    )
    pipeline.add_component("joiner", DocumentJoiner(join_mode="concatenate"))
    pipeline.add_component("lexical", LexicalDocumentEmbedder(meta_fields=["context"], exclude_levels=["offtopic"]))
    pipeline.add_component("writer", DocumentWriter(document_store=store, policy=DuplicatePolicy.OVERWRITE))
    pipeline.connect("router.passages", "passage_embedder.documents")
    pipeline.connect("router.questions", "question_embedder.documents")
    pipeline.connect("passage_embedder.documents", "joiner.documents")
    pipeline.connect("question_embedder.documents", "joiner.documents")
    pipeline.connect("joiner.documents", "lexical.documents")
    pipeline.connect("lexical.documents", "writer.documents")
    return pipeline
