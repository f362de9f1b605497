"""Build the index, or find the complete one that is already there.

A build writes a new collection completely, checks its count, marks it complete, and only
then drops the collections it replaces (older builds of the same corpus folder, half-written
collections of any corpus, orphans), so a failed build never leaves the service without an
index and another corpus's index in the same data folder is kept. A damaged file of the
embedded store is set aside first (and said so); a build that fails, for lack of space or
otherwise, removes the collection it was writing.
"""

from __future__ import annotations

import errno
import logging
import shutil
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field

from haystack import Document

from treatyqa.catalog import IndexPlan, index_status, plan_index
from treatyqa.embedding.model import embedder_dimension, resolve_model
from treatyqa.embedding.prompts import model_prompts
from treatyqa.errors import DiskFull, IndexDamaged, IndexUnavailable
from treatyqa.progress import Progress, Steps
from treatyqa.settings import Settings
from treatyqa.snapshot import export_snapshot
from treatyqa.store import (
    folder_lock,
    inspect_local,
    remove_orphan_folders,
    set_aside,
    built_at_ms,
    slot_of,
    list_collections,
    new_collection_name,
    connect_store,
    make_document_store,
    open_client,
    store_client,
)

logger = logging.getLogger(__name__)


COMPLETE = "treatyqa_complete"  # collection metadata: the document count of a finished build
PARTIAL_GRACE_S = 3600  # on a shared server, another corpus's build may still be running


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


def _counts(docs: list[Document]) -> dict[str, int]:
    return dict(Counter(f"{d.meta['lang']}/{d.meta['level']}" for d in docs))


def repair(settings: Settings, say: Progress) -> bool:
    """Set aside a damaged file of the embedded store, saying so; True when one was found."""
    damage = inspect_local(settings)
    if damage is None:
        return False
    say(damage.repaired(set_aside(settings, damage)))
    return True


def _status_repairing(settings: Settings, plan: IndexPlan, say: Progress) -> str | None:
    repair(settings, say)
    try:
        return index_status(settings, plan)[0]
    except IndexDamaged as exc:  # damage only the client's own loading finds (e.g. a bad payload)
        if exc.damage is None:
            raise
        say(exc.damage.repaired(set_aside(settings, exc.damage)))
        return index_status(settings, plan)[0]


def _is_disk_full(exc: BaseException | None) -> bool:
    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if isinstance(exc, sqlite3.OperationalError) and "full" in str(exc):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _disk_full(settings: Settings) -> DiskFull:
    where = settings.data_dir
    return DiskFull(
        f"The disk holding {where} is full: the index build stopped and removed what it had written; free some space and run python -m indexing again.",
        f"{where} орналасқан дискіде орын таусылды: индекс құру тоқтап, жазылғанның бәрі өшірілді; орын босатып, python -m indexing қайта іске қосыңыз.",
        f"Диск с папкой {where} заполнен: построение индекса остановлено, записанное удалено; освободите место и запустите python -m indexing снова.",
    )


def _remove_collection(settings: Settings, name: str) -> None:
    """Remove a half-written collection: its folder first (that frees the space the store's
    own bookkeeping needs), then its entry."""
    if not settings.qdrant_url:
        with folder_lock(settings):
            shutil.rmtree(settings.qdrant_path / "collection" / name, ignore_errors=True)
    try:
        client = open_client(settings)
    except Exception:  # noqa: BLE001
        logger.exception("could not remove the half-written collection %s", name)
        return
    try:
        client.delete_collection(name)
    except Exception:  # noqa: BLE001 - the folder is gone; the entry goes with the next build
        logger.exception("could not remove the entry of the half-written collection %s", name)
    finally:
        client.close()


def _stamp_age_s(name: str) -> float:
    built = built_at_ms(name)
    return float("inf") if built is None else time.time() - built / 1000


def replaced_by(settings: Settings, client, plan: IndexPlan, new: str) -> list[str]:
    """What a finished build of ``plan`` (collection ``new``) replaces: older collections of
    its own corpus folder, collections this version did not name (orphans), and half-written
    collections of any corpus (on a shared server only when older than an hour)."""
    drop = []
    for c in list_collections(client):
        if c.name == new:
            continue
        slot = slot_of(c.name)
        if slot is None or slot == plan.slot:
            drop.append(c.name)
            continue
        metadata = client.get_collection(c.name).config.metadata or {}
        if metadata.get(COMPLETE) != c.count and (not settings.qdrant_url or _stamp_age_s(c.name) > PARTIAL_GRACE_S):
            drop.append(c.name)
    return drop


def build_index(settings: Settings, *, rebuild: bool = False, progress: Progress | None = None) -> BuildReport:
    """Make sure a complete, current index exists; build it when missing or asked to."""
    say = progress or logger.info
    plan = plan_index(settings)
    existing = _status_repairing(settings, plan, say)
    if existing and not rebuild:
        return BuildReport(existing, built=False, counts=_counts(plan.documents))

    from indexing.pipeline import build_indexing_pipeline  # sentence-transformers and torch: only for a build

    started = time.perf_counter()
    say("Preparing the embedding model…")
    model = resolve_model(settings.model, settings.cache_dir, progress=say)
    name = new_collection_name(plan.identity)
    store = make_document_store(settings, name)
    steps = Steps(say, "index", plan.expected)

    def embedded(n: int) -> None:
        steps.advance(n)
        if steps.done == steps.total:  # what is left (sparse vectors, the write) takes seconds too
            say("Writing the index…")

    pipeline = build_indexing_pipeline(model, model_prompts(model), store, progress=embedded)
    pipeline.warm_up()
    embedder = pipeline.get_component("passage_embedder").embedder
    say(f"Building the index ({plan.expected} documents)…")
    try:
        connect_store(settings, store, embedder_dimension(embedder))
        steps.start()  # the clock starts with the embedding, not with the model's load
        pipeline.run({"router": {"documents": plan.documents}})
        client = store_client(store)
        written = client.count(name, exact=True).count
        if written != plan.expected:
            raise IndexUnavailable(
                f"The index build wrote {written} of {plan.expected} documents; nothing was replaced. Run python -m indexing again.",
                f"Индекс құру {plan.expected} құжаттың {written} ғана жазды; ештеңе ауыстырылмады. python -m indexing қайта іске қосыңыз.",
                f"При построении индекса записано {written} из {plan.expected} документов; ничего не заменено. Запустите python -m indexing снова.",
            )
        client.update_collection(name, metadata={COMPLETE: written})
        dropped = replaced_by(settings, client, plan, name)
        for old in dropped:
            client.delete_collection(old)
        known = {c.name for c in client.get_collections().collections}
    except BaseException as exc:
        store.close()
        _remove_collection(settings, name)
        if isinstance(exc, Exception) and _is_disk_full(exc):
            raise _disk_full(settings) from exc
        raise
    store.close()
    orphans = remove_orphan_folders(settings, known)
    if not settings.qdrant_url:  # what serving processes read, without the folder's lock
        export_snapshot(settings, name)  # reopened: rows in the order a reader loads them
    seconds = time.perf_counter() - started
    return BuildReport(name, built=True, counts=_counts(plan.documents), seconds=seconds, dropped=dropped + orphans)
