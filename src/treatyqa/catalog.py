"""Which index is current: the plan of what the index must hold, and where a complete one is.

The facade reads this to open an index and the indexing package to decide whether to build
one, so it sits below both of them. Nothing here builds or embeds.
"""

from __future__ import annotations

from dataclasses import dataclass

from haystack import Document

from treatyqa.corpus import corpus_dir, load_agreement
from treatyqa.documents import all_documents, data_hash
from treatyqa.domain import Agreement
from treatyqa.settings import Settings
from treatyqa.snapshot import SnapshotInfo, find_snapshot, snapshots_root
from treatyqa.store import corpus_slot, find_complete, index_identity, inspect_local, list_collections, open_client


@dataclass(frozen=True)
class IndexPlan:
    """What a current index holds: its identity (corpus, data, model, corpus folder) and documents."""

    identity: str
    documents: list[Document]
    slot: str = "c0"

    @property
    def expected(self) -> int:
        return len(self.documents)


def plan_index(settings: Settings, agreement: Agreement | None = None) -> IndexPlan:
    folder = corpus_dir(settings)
    agreement = agreement or load_agreement(folder)
    # the slot ties collections to the corpus folder: two corpora can share one data folder
    slot = corpus_slot(folder)
    identity = index_identity(agreement.corpus_hash + data_hash(), settings.model, slot)
    return IndexPlan(identity, all_documents(agreement), slot)


def index_status(settings: Settings, plan: IndexPlan) -> tuple[str | None, list[str]]:
    """The complete collection for this plan (or None), and the names of all others."""
    client = open_client(settings)
    try:
        collections = list_collections(client)
    finally:
        client.close()
    found = find_complete(collections, plan.identity, plan.expected)
    name = found.name if found else None
    return name, [c.name for c in collections if c.name != name]


def find_index(settings: Settings, plan: IndexPlan) -> str | None:
    """The name of a complete collection for this plan, or None."""
    return index_status(settings, plan)[0]


def serving_snapshot(settings: Settings, plan: IndexPlan) -> SnapshotInfo | None:
    """The lock-free snapshot of a current embedded index, or None: on a Qdrant server, when
    none was exported, or when a file of the store is damaged (it is named and repaired, or
    refused, before anything is served, even with an intact snapshot)."""
    if settings.qdrant_url or inspect_local(settings) is not None:
        return None
    return find_snapshot(snapshots_root(settings.data_dir), plan.identity, plan.expected)
