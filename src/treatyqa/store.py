"""Where the index lives: embedded Qdrant on disk, or a Qdrant server/cluster by URL.

A collection is named for what built it:
``treatyqa_<schema>_<corpus hash>_<model tag>_<corpus slot>_<stamp>``. All but the stamp are
the index *identity*: a collection with another identity is stale. The *slot* names the
corpus folder (``TREATYQA_CORPUS_DIR``), so that a build replaces only the collections of its
own corpus and several corpora share one data folder. A collection is complete when it holds
the expected number of documents (a build that died midway leaves fewer), so a half-written
index is never served.

The embedded store's files are checked before they are opened (:func:`inspect_local`): an
empty or garbage ``meta.json`` or a ``storage.sqlite`` that SQLite cannot read is named, and
:func:`set_aside` moves it out of the way (into ``<data dir>/damaged/<time>/``) so that the
next build starts clean.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import shutil
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

from haystack_integrations.document_stores.qdrant import QdrantDocumentStore
from haystack.utils import Secret
from qdrant_client import QdrantClient

from treatyqa.errors import IndexDamaged, IndexLocked, IndexUnavailable
from treatyqa.settings import Settings

logger = logging.getLogger(__name__)

# Bump when the documents or their vectors are built differently (terms, context, levels).
SCHEMA_VERSION = "v3"
PREFIX = "treatyqa_"


def model_tag(model_setting: str) -> str:
    """A short, name-safe tag for the model setting (its readable tail plus a hash)."""
    tail = re.sub(r"[^a-z0-9]+", "-", model_setting.lower().rsplit("/", 1)[-1]).strip("-")[:24]
    digest = hashlib.sha256(model_setting.encode()).hexdigest()[:6]
    return f"{tail}-{digest}"


def corpus_slot(folder: Path) -> str:
    """A short, name-safe tag for the corpus folder: its collections are this folder's own."""
    return "c" + hashlib.sha256(str(Path(folder).resolve()).encode()).hexdigest()[:8]


def index_identity(corpus_hash: str, model_setting: str, slot: str = "c0") -> str:
    return f"{PREFIX}{SCHEMA_VERSION}_{corpus_hash}_{model_tag(model_setting)}_{slot}"


def slot_of(name: str) -> str | None:
    """The corpus slot of a collection name; None for names this version did not write
    (older schemas, no slot): such collections are orphans."""
    parts = name.split("_")
    if len(parts) != 6 or f"{parts[0]}_{parts[1]}_" != f"{PREFIX}{SCHEMA_VERSION}_":
        return None
    return parts[4]


def new_collection_name(identity: str) -> str:
    return f"{identity}_{int(time.time() * 1000):x}"


def built_at_ms(name: str) -> int | None:
    """When a collection was built, from the stamp :func:`new_collection_name` ends its name
    with (ms since the epoch); None for a name without one."""
    try:
        return int(name.rsplit("_", 1)[1], 16)
    except (IndexError, ValueError):
        return None


@dataclass(frozen=True)
class Collection:
    name: str
    count: int

    @property
    def identity(self) -> str:
        return self.name.rsplit("_", 1)[0]


def _locked(settings: Settings) -> IndexLocked:
    path = settings.qdrant_path
    return IndexLocked(
        f"The index in {path} is in use by another TreatyQA process. Stop that process, or set "
        "TREATYQA_DATA_DIR to another folder, or use a Qdrant server (QDRANT_URL).",
        f"{path} ішіндегі индексті басқа TreatyQA процесі пайдаланып жатыр. Сол процесті тоқтатыңыз "
        "немесе TREATYQA_DATA_DIR арқылы басқа қалтаны көрсетіңіз, не Qdrant серверін (QDRANT_URL) қолданыңыз.",
        f"Индекс в {path} занят другим процессом TreatyQA. Остановите тот процесс, или укажите другую "
        "папку в TREATYQA_DATA_DIR, или используйте сервер Qdrant (QDRANT_URL).",
    )


def _unwritable(path: Path, reason: str) -> IndexUnavailable:
    return IndexUnavailable(
        f"Cannot write the index to {path} ({reason}). Set TREATYQA_DATA_DIR to a writable folder.",
        f"Индексті {path} қалтасына жазу мүмкін емес ({reason}). TREATYQA_DATA_DIR арқылы жазуға болатын қалтаны көрсетіңіз.",
        f"Не удается записать индекс в {path} ({reason}). Укажите в TREATYQA_DATA_DIR папку, доступную для записи.",
    )


def _unreachable(url: str, reason: str) -> IndexUnavailable:
    return IndexUnavailable(
        f"The Qdrant server at {url} cannot be reached ({reason}). Check QDRANT_URL and QDRANT_API_KEY.",
        f"{url} мекенжайындағы Qdrant серверіне қосылу мүмкін емес ({reason}). QDRANT_URL және QDRANT_API_KEY тексеріңіз.",
        f"Сервер Qdrant по адресу {url} недоступен ({reason}). Проверьте QDRANT_URL и QDRANT_API_KEY.",
    )


# ---------------------------------------------------------------- damaged files of the embedded store


@dataclass(frozen=True)
class Damage:
    """A file of the embedded store that cannot be read, and why."""

    file: Path
    reason: str

    def error(self) -> IndexDamaged:
        error = IndexDamaged(
            f"The index file {self.file} is damaged ({self.reason}). Rebuild the index: python -m indexing --rebuild",
            f"{self.file} индекс файлы бүлінген ({self.reason}). Индексті қайта құрыңыз: python -m indexing --rebuild",
            f"Файл индекса {self.file} поврежден ({self.reason}). Перестройте индекс: python -m indexing --rebuild",
        )
        error.damage = self
        return error

    def repaired(self, moved_to: Path) -> str:
        """The sentence the build says after setting the file aside."""
        return f"The index file {self.file} was damaged ({self.reason}); it was moved to {moved_to} and the index is being rebuilt."


def _check_meta(path: Path) -> tuple[Damage | None, list[str]]:
    try:
        meta = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        return None, []
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        reason = "empty" if path.exists() and path.stat().st_size == 0 else f"not valid JSON: {type(exc).__name__}"
        return Damage(path, reason), []
    collections = meta.get("collections") if isinstance(meta, dict) else None
    if not isinstance(collections, dict) or not all(isinstance(v, dict) for v in collections.values()):
        return Damage(path, "not a Qdrant collection list"), []
    return None, list(collections)


def _check_sqlite(path: Path) -> Damage | None:
    if not path.exists():
        return None  # the client starts an empty collection: incomplete, so rebuilt
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            verdict = db.execute("PRAGMA quick_check").fetchone()
            if verdict is None or verdict[0] != "ok":
                return Damage(path, f"SQLite integrity check: {verdict[0] if verdict else 'no answer'}"[:160])
            db.execute("SELECT count(*) FROM points").fetchone()
    except sqlite3.DatabaseError as exc:
        return Damage(path, f"SQLite: {exc}"[:160])
    return None


def inspect_local(settings: Settings) -> Damage | None:
    """The first damaged file of the embedded store, or None (always None for a server)."""
    if settings.qdrant_url:
        return None
    root = settings.qdrant_path
    if not root.is_dir():  # missing (built on first use) or unusable (said by _prepare_local)
        return None
    damage, names = _check_meta(root / "meta.json")
    if damage is not None:
        return damage
    for name in names:
        damage = _check_sqlite(root / "collection" / name / "storage.sqlite")
        if damage is not None:
            return damage
    return None


@contextlib.contextmanager
def folder_lock(settings: Settings) -> Iterator[None]:
    """Hold the embedded store's lock (the one qdrant-client takes) while its files are moved."""
    if settings.qdrant_url or fcntl is None or not settings.qdrant_path.exists():
        yield
        return
    with open(settings.qdrant_path / ".lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise _locked(settings) from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def set_aside(settings: Settings, damage: Damage) -> Path:
    """Move the damaged part out of the store and return where it went.

    A damaged ``storage.sqlite`` takes its collection folder along; a damaged ``meta.json``
    takes every collection with it (they cannot be opened without it). Nothing is deleted:
    the operator may want to look, and removes ``<data dir>/damaged`` when done.
    """
    root = settings.qdrant_path
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    target = settings.data_dir / "damaged" / stamp
    target.mkdir(parents=True, exist_ok=True)
    with folder_lock(settings):
        if damage.file.name == "meta.json" or damage.file == root:
            moving = [damage.file, root / "collection"]
        else:
            moving = [damage.file.parent]
        for path in moving:
            if path.exists():
                shutil.move(str(path), str(target / path.name))
    logger.warning("moved the damaged index file %s to %s", damage.file, target)
    return target


def remove_orphan_folders(settings: Settings, known: set[str]) -> list[str]:
    """Delete collection folders the store does not list (left by a crash or a lost ``meta.json``)."""
    if settings.qdrant_url:
        return []
    folder = settings.qdrant_path / "collection"
    removed = []
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if path.is_dir() and path.name not in known:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    return removed


def _client_params(settings: Settings) -> dict:
    if settings.qdrant_url:
        return {"url": settings.qdrant_url, "api_key": settings.qdrant_api_key}
    return {"path": str(settings.qdrant_path)}


# ---------------------------------------------------------------- the data folder is code (DESIGN §16)


def _owner_name(uid: int) -> str:
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return str(uid)


def trust_problems(data_dir: Path, uid: int | None = None) -> tuple[list[str], list[str]]:
    """What makes the data folder unsafe to load: ``(refusals, warnings)``.

    qdrant-client's embedded mode unpickles what ``storage.sqlite`` holds, so whoever can
    write the data folder can run code in TreatyQA. Refused: a folder or index file owned by
    another user (other than root), or writable by everyone. Warned: writable by the group.
    """
    import os
    import stat

    uid = os.geteuid() if uid is None else uid
    refusals: list[str] = []
    warnings: list[str] = []
    paths = [data_dir, data_dir / "qdrant", data_dir / "qdrant" / "meta.json", data_dir / "qdrant" / "collection"]
    collections = data_dir / "qdrant" / "collection"
    if collections.is_dir():
        for folder in sorted(collections.iterdir()):
            paths += [folder, folder / "storage.sqlite"]
    for path in paths:
        try:
            info = path.lstat()
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(info.st_mode) and path != data_dir:
            refusals.append(f"{path} is a symbolic link")
            continue
        if info.st_uid not in (uid, 0):
            refusals.append(f"{path} belongs to user {_owner_name(info.st_uid)}, not to the user running TreatyQA")
        if info.st_mode & stat.S_IWOTH:
            refusals.append(f"{path} is writable by every user")
        elif info.st_mode & stat.S_IWGRP:
            warnings.append(f"{path} is writable by its group")
    return refusals, warnings


def _untrusted(data_dir: Path, problems: list[str]) -> IndexUnavailable:
    listed = "; ".join(problems[:3]) + ("; …" if len(problems) > 3 else "")
    return IndexUnavailable(
        f"The data folder {data_dir} is not safe to load ({listed}). Whoever can write it can run code in TreatyQA: "
        f"make it yours and private (chown, chmod go-w) or set TREATYQA_DATA_DIR to a private folder.",
        f"{data_dir} деректер қалтасын жүктеу қауіпті ({listed}). Оған жаза алатын кез келген адам TreatyQA ішінде код "
        "іске қоса алады: қалтаны өзіңізге тиесілі әрі жабық етіңіз (chown, chmod go-w) немесе TREATYQA_DATA_DIR арқылы жеке қалтаны көрсетіңіз.",
        f"Папку данных {data_dir} небезопасно загружать ({listed}). Любой, кто может в нее писать, может выполнить код в TreatyQA: "
        "сделайте ее своей и закрытой (chown, chmod go-w) или укажите в TREATYQA_DATA_DIR личную папку.",
    )


def check_trust(settings: Settings) -> None:
    """Refuse an unsafe data folder; warn (in the log) about a group-writable one."""
    if settings.qdrant_url:
        return
    refusals, warnings = trust_problems(settings.data_dir)
    if refusals:
        raise _untrusted(settings.data_dir, refusals)
    for warning in warnings:
        logger.warning("data folder: %s; whoever can write it can run code in TreatyQA (chmod g-w)", warning)


def _prepare_local(settings: Settings) -> None:
    if settings.qdrant_url:
        return
    path = settings.qdrant_path
    try:
        settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        probe = path / ".write-probe"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise _unwritable(path, exc.strerror or str(exc)) from exc
    check_trust(settings)


def translate_open_error(settings: Settings, exc: BaseException) -> Exception:
    """Turn the client's errors into one plain sentence for the user."""
    text = str(exc)
    if "already accessed by another instance" in text:
        return _locked(settings)
    if settings.qdrant_url:
        return _unreachable(settings.qdrant_url, text.splitlines()[0][:200] if text else type(exc).__name__)
    if isinstance(exc, PermissionError) or "Permission denied" in text or "Read-only file system" in text:
        return _unwritable(settings.qdrant_path, text[:200])
    if isinstance(exc, IndexUnavailable):
        return exc
    # anything else the embedded client trips over while loading is a damaged file
    damage = inspect_local(settings) or Damage(settings.qdrant_path, f"cannot be loaded: {type(exc).__name__}")
    return damage.error()


def open_client(settings: Settings) -> QdrantClient:
    """A management client (list, count, delete). Embedded mode allows one per folder."""
    _prepare_local(settings)
    try:
        client = QdrantClient(**_client_params(settings))
        client.get_collections()
    except Exception as exc:  # noqa: BLE001 - every failure becomes one plain sentence
        raise translate_open_error(settings, exc) from exc
    return client


def list_collections(client: QdrantClient) -> list[Collection]:
    names = [c.name for c in client.get_collections().collections if c.name.startswith(PREFIX)]
    return [Collection(name, client.count(name, exact=True).count) for name in sorted(names)]


def find_complete(collections: list[Collection], identity: str, expected: int) -> Collection | None:
    """The newest complete collection with this identity (stamps sort in build order)."""
    complete = [c for c in collections if c.identity == identity and c.count == expected]
    return max(complete, key=lambda c: c.name, default=None)


def make_document_store(settings: Settings, collection: str, embedding_dim: int = 0) -> QdrantDocumentStore:
    """A Haystack document store on ``collection``; it connects on :func:`connect_store`
    (or first use), once ``embedding_dim`` is known from the loaded model."""
    _prepare_local(settings)
    params = _client_params(settings)
    return QdrantDocumentStore(
        path=params.get("path"),
        url=params.get("url"),
        api_key=Secret.from_token(settings.qdrant_api_key) if settings.qdrant_api_key else None,
        index=collection,
        embedding_dim=embedding_dim,
        use_sparse_embeddings=True,
        similarity="cosine",
        progress_bar=False,
        return_embedding=False,
        write_batch_size=256,
    )


def connect_store(settings: Settings, store: QdrantDocumentStore, embedding_dim: int) -> None:
    """Connect now (creating the collection if needed), so that lock and dimension errors
    surface here as one plain sentence."""
    store.embedding_dim = embedding_dim
    try:
        store_client(store)
    except ValueError as exc:
        if "dimension" in str(exc).lower() or "vector size" in str(exc).lower():
            raise dimension_mismatch(store.index, embedding_dim, str(exc)) from exc
        raise translate_open_error(settings, exc) from exc
    except Exception as exc:  # noqa: BLE001
        raise translate_open_error(settings, exc) from exc


def dimension_mismatch(collection: str, dim: int, detail: str) -> IndexUnavailable:
    return IndexUnavailable(
        f"The index {collection} was built with another embedding model than the one configured "
        f"({dim} dimensions now; {detail[:160]}). Rebuild it: python -m indexing --rebuild",
        f"{collection} индексі қазір бапталған модельден басқа модельмен құрылған ({dim} өлшем). "
        "Индексті қайта құрыңыз: python -m indexing --rebuild",
        f"Индекс {collection} построен другой моделью эмбеддингов, чем настроенная сейчас ({dim} измерений). "
        "Перестройте его: python -m indexing --rebuild",
    )


def store_client(store: QdrantDocumentStore) -> QdrantClient:
    """The store's qdrant-client, connected (the collection created if needed). qdrant-haystack
    has no public accessor for either, so its private ones are reached here and nowhere else."""
    store._initialize_client()
    assert store._client is not None
    return store._client
