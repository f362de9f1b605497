"""Retrievers over an exported index snapshot (:mod:`treatyqa.snapshot`), with the inputs,
outputs and scores of qdrant-haystack's ``QdrantEmbeddingRetriever`` and
``QdrantSparseEmbeddingRetriever`` on the embedded store, but no folder lock and no
Python scan: any number of processes serve one data folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from haystack import Document, component, default_from_dict, default_to_dict
from haystack.dataclasses import SparseEmbedding

from treatyqa.snapshot import IndexSnapshot, list_snapshots, load_snapshot


def _load(path: str) -> IndexSnapshot:
    folder = Path(path)
    info = next((s for s in list_snapshots(folder.parent) if s.path == folder), None)
    if info is None:
        raise ValueError(f"{path} is not a complete index snapshot")
    return load_snapshot(info)


class _SnapshotRetriever:
    def __init__(self, snapshot: IndexSnapshot | str, top_k: int = 10):
        if not isinstance(top_k, int) or top_k < 1:
            raise ValueError(f"top_k must be a positive whole number, not {top_k!r}")
        self.snapshot = _load(snapshot) if isinstance(snapshot, str) else snapshot
        if not isinstance(self.snapshot, IndexSnapshot):
            raise TypeError(f"snapshot must be an IndexSnapshot or the path of one, not {type(snapshot).__name__}")
        self.top_k = top_k
        self.path: str | None = snapshot if isinstance(snapshot, str) else None

    def to_dict(self) -> dict[str, Any]:
        if self.path is None:
            raise ValueError("a retriever over an in-memory snapshot serialises only when built from its path")
        return default_to_dict(self, snapshot=self.path, top_k=self.top_k)

    @classmethod
    def from_dict(cls, data: dict[str, Any]):
        return default_from_dict(cls, data)


@component
class SnapshotEmbeddingRetriever(_SnapshotRetriever):
    """Nearest documents by cosine similarity of the dense vectors.

    >>> import numpy as np
    >>> from haystack import Document
    >>> from treatyqa.snapshot import IndexSnapshot
    >>> docs = [Document(id="a", content="a"), Document(id="b", content="b")]
    >>> snap = IndexSnapshot.from_csr("demo_1", docs, np.eye(2, dtype=np.float32),
    ...                               np.array([0, 0, 0]), np.array([], int), np.array([]))
    >>> [d.id for d in SnapshotEmbeddingRetriever(snap).run([0.1, 0.9])["documents"]]
    ['b', 'a']
    """

    @component.output_types(documents=list[Document])
    def run(self, query_embedding: list[float], top_k: int | None = None) -> dict[str, list[Document]]:
        if len(query_embedding) != self.snapshot.dimension:
            raise ValueError(
                f"the query has {len(query_embedding)} dimensions, the index {self.snapshot.dimension}: "
                "it was built with another model; rebuild it with python -m indexing --rebuild"
            )
        return {"documents": self.snapshot.search_dense(query_embedding, top_k or self.top_k)}


@component
class SnapshotSparseEmbeddingRetriever(_SnapshotRetriever):
    """Documents that share a term with the query, by sparse dot product.

    >>> import numpy as np
    >>> from haystack import Document
    >>> from haystack.dataclasses import SparseEmbedding
    >>> from treatyqa.snapshot import IndexSnapshot
    >>> docs = [Document(id="a", content="a"), Document(id="b", content="b")]
    >>> snap = IndexSnapshot.from_csr("demo_1", docs, np.eye(2, dtype=np.float32),
    ...                               np.array([0, 1, 3]), np.array([7, 5, 7]), np.array([2.0, 1.0, 0.5]))
    >>> hits = SnapshotSparseEmbeddingRetriever(snap).run(SparseEmbedding(indices=[7], values=[1.0]))["documents"]
    >>> [(d.id, d.score) for d in hits]
    [('a', 2.0), ('b', 0.5)]
    """

    @component.output_types(documents=list[Document])
    def run(self, query_sparse_embedding: SparseEmbedding, top_k: int | None = None) -> dict[str, list[Document]]:
        return {"documents": self.snapshot.search_sparse(query_sparse_embedding, top_k or self.top_k)}
