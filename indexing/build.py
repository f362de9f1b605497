"""Build the index, or find the complete one that is already there.

A build writes a new collection completely, checks its count, and only then drops the
collections it replaces, so a failed build never leaves the service without an index.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from haystack import Document

from indexing.documents import all_documents, data_hash
from treatyqa.corpus import load_agreement
from treatyqa.domain import Agreement
from treatyqa.embedding.model import dimension_of, resolve_model
from treatyqa.embedding.prompts import model_prompts
from treatyqa.errors import IndexUnavailable
from treatyqa.settings import Settings
from treatyqa.snapshot import export_snapshot
from treatyqa.store import (
    find_complete,
    index_identity,
    list_collections,
    new_collection_name,
    connect_store,
    make_document_store,
    open_client,
    store_client,
)

logger = logging.getLogger(__name__)
Progress = Callable[[str], None]


@dataclass(frozen=True)
class IndexPlan:
    identity: str
    documents: list[Document]

    @property
    def expected(self) -> int:
        return len(self.documents)


@dataclass
class BuildReport:
    collection: str
    built: bool  # False when a complete index was already there
    counts: dict[str, int] = field(default_factory=dict)  # "kk/clause" -> n
    seconds: float = 0.0
    dropped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        total = sum(self.counts.values())
        lines = [
            f"{'Built' if self.built else 'Up to date:'} {self.collection}: {total} documents"
            + (f" in {self.seconds:.1f} s ({total / self.seconds:.0f} docs/s)" if self.built and self.seconds else "")
        ]
        for lang in sorted({k.split('/')[0] for k in self.counts}):
            per = ", ".join(f"{k.split('/')[1]} {v}" for k, v in sorted(self.counts.items()) if k.startswith(lang + "/"))
            lines.append(f"  {lang}: {per}")
        if self.dropped:
            lines.append(f"  dropped old collections: {', '.join(self.dropped)}")
        return "\n".join(lines)


def plan_index(settings: Settings, agreement: Agreement | None = None) -> IndexPlan:
    agreement = agreement or load_agreement()
    identity = index_identity(agreement.corpus_hash + data_hash(), settings.model)
    return IndexPlan(identity, all_documents(agreement))


def _counts(docs: list[Document]) -> dict[str, int]:
    return dict(Counter(f"{d.meta['lang']}/{d.meta['level']}" for d in docs))


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


def build_index(settings: Settings, *, rebuild: bool = False, progress: Progress | None = None) -> BuildReport:
    """Make sure a complete, current index exists; build it when missing or asked to."""
    say = progress or logger.info
    plan = plan_index(settings)
    existing = None if rebuild else find_index(settings, plan)
    if existing:
        return BuildReport(existing, built=False, counts=_counts(plan.documents))

    from indexing.pipeline import build_indexing_pipeline  # sentence-transformers and torch: only for a build

    started = time.perf_counter()
    say("Preparing the embedding model…")
    model = resolve_model(settings.model, settings.cache_dir)
    name = new_collection_name(plan.identity)
    store = make_document_store(settings, name)
    pipeline = build_indexing_pipeline(model, model_prompts(model), store)
    pipeline.warm_up()
    embedder = pipeline.get_component("passage_embedder")
    connect_store(settings, store, dimension_of(embedder.embedding_backend.model))
    say(f"Building the index ({plan.expected} documents)…")
    try:
        pipeline.run({"router": {"documents": plan.documents}})
        client = store_client(store)
        written = client.count(name, exact=True).count
        if written != plan.expected:
            client.delete_collection(name)
            raise IndexUnavailable(
                f"The index build wrote {written} of {plan.expected} documents; nothing was replaced. Run python -m indexing again.",
                f"Индекс құру {plan.expected} құжаттың {written} ғана жазды; ештеңе ауыстырылмады. python -m indexing қайта іске қосыңыз.",
                f"При построении индекса записано {written} из {plan.expected} документов; ничего не заменено. Запустите python -m indexing снова.",
            )
        dropped = [c.name for c in list_collections(client) if c.name != name]
        for old in dropped:
            client.delete_collection(old)
    finally:
        store.close()
    if not settings.qdrant_url:  # what serving processes read, without the folder's lock
        export_snapshot(settings, name)  # reopened: rows in the order a reader loads them
    seconds = time.perf_counter() - started
    return BuildReport(name, built=True, counts=_counts(plan.documents), seconds=seconds, dropped=dropped)
