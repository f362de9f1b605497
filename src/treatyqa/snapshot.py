"""A read-only copy of one built index that any number of processes can serve from.

qdrant-client's embedded mode locks its folder for one process and scores sparse vectors
in a Python loop (about 23 ms a question). Each complete collection is therefore exported
once, after its build, to ``<data dir>/snapshots/<collection>/``: the documents as JSON,
the dense vectors as a float32 matrix, the sparse vectors as CSR arrays (``numpy.save``,
no pickle: loading a snapshot runs no code from the folder). Readers take no lock, search
with the same arithmetic as the embedded store (cosine of unit vectors; sparse dot product
over shared terms only, so documents without a shared term are not returned), and move to
a newer snapshot when one appears. A snapshot is written to a temporary folder and renamed
into place, so a reader never sees half of one.

With ``QDRANT_URL`` none of this is used: the server is searched through qdrant-haystack.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from haystack import Document
from haystack.dataclasses import SparseEmbedding

from treatyqa.store import built_at_ms, slot_of

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"
FORMAT = 1
EPSILON = 1.1920929e-7  # as qdrant-client's local mode guards a zero norm
KEEP = 2  # the newest snapshots kept: a reader may still be loading the previous one


@dataclass(frozen=True)
class SnapshotInfo:
    path: Path
    collection: str
    count: int

    @property
    def identity(self) -> str:
        return self.collection.rsplit("_", 1)[0]


class FrozenMeta(dict):
    """A document's metadata in the in-memory index: one dict shared by every hit on every
    thread, so read-only. Its values are scalars, so a deep copy (Haystack copies each
    component's inputs, some 80 hits a question) can be the dict itself: about 0.6 ms of a
    14.5 ms question (p50, 120 dev questions, four alternated runs).

    >>> import copy
    >>> meta = FrozenMeta({"article": 5})
    >>> copy.deepcopy(meta) is meta
    True
    >>> meta["article"] = 6
    Traceback (most recent call last):
    TypeError: the index's document metadata is read-only
    """

    def _read_only(self, *args, **kwargs):
        raise TypeError("the index's document metadata is read-only")

    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = _read_only

    def __copy__(self) -> FrozenMeta:
        return self

    def __deepcopy__(self, memo: dict) -> FrozenMeta:
        return self

    def __reduce__(self):
        return FrozenMeta, (dict(self),)


@dataclass(frozen=True, eq=False)
class IndexSnapshot:
    """The documents of one collection with their vectors, searchable in memory.

    Sparse vectors are kept inverted (entries sorted by term), so a question touches only
    the postings of its own terms."""

    collection: str
    documents: list[Document]  # without vectors; row i of ``dense``
    dense: np.ndarray  # float64 [n, dim], unit rows
    terms: np.ndarray  # int64 [entries], sorted
    rows: np.ndarray  # int64 [entries], the document of each entry
    weights: np.ndarray  # float64 [entries]

    @classmethod
    def from_csr(cls, collection: str, documents: list[Document], dense: np.ndarray, indptr, indices, values):
        # the embedded store renormalises its float32 rows in place, then scores in float64
        dense = dense.astype(np.float32)
        dense /= np.where((norms := np.linalg.norm(dense, axis=-1)[:, None]) != 0.0, norms, EPSILON)
        dense = dense.astype(np.float64)
        rows = np.repeat(np.arange(len(documents), dtype=np.int64), np.diff(indptr))
        order = np.argsort(indices, kind="stable")
        documents = [Document(id=d.id, content=d.content, meta=FrozenMeta(d.meta)) for d in documents]
        return cls(collection, documents, dense, indices[order], rows[order], values[order])

    @property
    def dimension(self) -> int:
        return int(self.dense.shape[1])

    def _hits(self, scores: np.ndarray, top_k: int, valid: np.ndarray | None = None) -> list[Document]:
        order = np.argsort(scores)[::-1]  # as the embedded store orders them
        if valid is not None:
            order = order[valid[order]]
        return [_scored(self.documents[i], float(scores[i])) for i in order[:top_k]]

    def search_dense(self, query: list[float], top_k: int) -> list[Document]:
        vector = np.asarray(query, dtype=np.float64)
        norm = np.linalg.norm(vector)
        return self._hits(self.dense @ (vector / (norm if norm else EPSILON)), top_k)

    def search_sparse(self, query: SparseEmbedding, top_k: int) -> list[Document]:
        # products summed in float64 in term order, then float32: the embedded store's
        # arithmetic, so scores and ties come out the same
        scores = np.zeros(len(self.documents), dtype=np.float64)
        shared = np.zeros(len(self.documents), dtype=bool)
        for term, weight in sorted(zip(query.indices, query.values, strict=True)):
            lo, hi = np.searchsorted(self.terms, [term, term + 1])
            rows = self.rows[lo:hi]
            scores[rows] += self.weights[lo:hi] * float(weight)
            shared[rows] = True
        return self._hits(scores.astype(np.float32), top_k, shared)


def _scored(document: Document, score: float) -> Document:
    return Document(id=document.id, content=document.content, meta=document.meta, score=score)


def snapshots_root(data_dir: Path) -> Path:
    return Path(data_dir) / "snapshots"


def list_snapshots(root: Path) -> list[SnapshotInfo]:
    """Complete snapshots (those with a manifest), oldest first."""
    found = []
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError:  # no folder yet, or not a folder: the store reports what is wrong with it
        return []
    for entry in entries:
        manifest = Path(entry.path) / MANIFEST
        if entry.name.startswith(".") or not manifest.is_file():
            continue
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if data.get("format") == FORMAT:
            found.append(SnapshotInfo(Path(entry.path), data["collection"], int(data["count"])))
    return sorted(found, key=lambda s: (built_at_ms(s.collection) or -1, s.collection))


def find_snapshot(root: Path, identity: str, expected: int) -> SnapshotInfo | None:
    """The newest complete snapshot of a current index, or None."""
    matching = [s for s in list_snapshots(root) if s.identity == identity and s.count == expected]
    return matching[-1] if matching else None


def load_snapshot(info: SnapshotInfo) -> IndexSnapshot:
    with (info.path / "documents.jsonl").open(encoding="utf-8") as lines:
        documents = [Document.from_dict(json.loads(line)) for line in lines]
    arrays = {name: np.load(info.path / f"{name}.npy", allow_pickle=False) for name in ("dense", "indptr", "indices", "values")}
    if len(documents) != info.count or arrays["dense"].shape[0] != info.count:
        raise ValueError(f"snapshot {info.path} holds {len(documents)} documents, its manifest says {info.count}")
    return IndexSnapshot.from_csr(
        info.collection, documents, arrays["dense"], arrays["indptr"], arrays["indices"], arrays["values"]
    )


def write_snapshot(root: Path, collection: str, documents: list[Document]) -> SnapshotInfo:
    """Write documents that carry ``embedding`` and ``sparse_embedding`` as a snapshot."""
    root.mkdir(parents=True, exist_ok=True)
    target = root / collection
    if (target / MANIFEST).is_file():
        return next(s for s in list_snapshots(root) if s.path == target)
    work = Path(tempfile.mkdtemp(prefix=f".{collection}-", dir=root))
    try:
        dense = np.array([d.embedding for d in documents], dtype=np.float32)
        indptr, indices, values = [0], [], []
        for d in documents:
            sparse = d.sparse_embedding or SparseEmbedding(indices=[], values=[])
            order = np.argsort(sparse.indices, kind="stable")
            indices.extend(np.asarray(sparse.indices, dtype=np.int64)[order])
            values.extend(np.asarray(sparse.values, dtype=np.float64)[order])
            indptr.append(len(indices))
        np.save(work / "dense.npy", dense)
        np.save(work / "indptr.npy", np.array(indptr, dtype=np.int64))
        np.save(work / "indices.npy", np.array(indices, dtype=np.int64))
        np.save(work / "values.npy", np.array(values, dtype=np.float64))
        with (work / "documents.jsonl").open("w", encoding="utf-8") as out:
            for d in documents:
                plain = Document(id=d.id, content=d.content, meta=d.meta).to_dict(flatten=False)
                out.write(json.dumps(plain, ensure_ascii=False) + "\n")
        manifest = {"format": FORMAT, "collection": collection, "count": len(documents), "written": time.time()}
        (work / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
        work.chmod(0o755)
        os.replace(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    _prune(root)
    return SnapshotInfo(target, collection, len(documents))


def _prune(root: Path) -> None:
    """Keep the newest :data:`KEEP` snapshots of each corpus folder: several corpora may share
    one data folder, and one's build must not remove another's current snapshot (as a
    data-folder-wide count did, sorting by name, which puts the slot before the stamp)."""
    by_slot: dict[str | None, list[SnapshotInfo]] = {}
    for info in list_snapshots(root):
        by_slot.setdefault(slot_of(info.collection), []).append(info)
    for snapshots in by_slot.values():
        for old in snapshots[:-KEEP]:
            shutil.rmtree(old.path, ignore_errors=True)
    for leftover in root.glob(".*-*"):  # a writer killed midway; old enough not to be in progress
        if time.time() - leftover.stat().st_mtime > 3600:
            shutil.rmtree(leftover, ignore_errors=True)


def _storage_order(client, collection: str):
    """Rows in the embedded store's own order, so that equal scores are ordered as it orders
    them (its argsort runs over that order); scroll order where that is not known."""
    local = getattr(getattr(client, "_client", None), "collections", {}).get(collection)
    position = {str(pid): i for i, pid in enumerate(getattr(local, "ids_inv", []))}
    return lambda point: position.get(str(point.id), len(position))


def export_snapshot(settings, collection: str) -> SnapshotInfo:
    """Export a complete collection of the embedded store (holding its lock for a second or
    two). The store is opened afresh: its rows then lie in the order every reader loads them,
    which decides the order of equal scores."""
    from haystack_integrations.document_stores.qdrant.converters import convert_qdrant_point_to_haystack_document

    from treatyqa.store import open_client

    client = open_client(settings)
    try:
        points, offset = [], None
        while True:
            page, offset = client.scroll(collection, limit=512, offset=offset, with_payload=True, with_vectors=True)
            points += page
            if offset is None:
                break
        points.sort(key=_storage_order(client, collection))
    finally:
        client.close()
    documents = [convert_qdrant_point_to_haystack_document(p, use_sparse_embeddings=True) for p in points]
    return write_snapshot(snapshots_root(settings.data_dir), collection, documents)
