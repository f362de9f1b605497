"""Where the index lives: embedded Qdrant on disk, or a Qdrant server/cluster by URL.

A collection is named for what built it: ``treatyqa_<schema>_<corpus hash>_<model tag>_<stamp>``.
The first four parts are the index *identity*: a collection with another identity is stale.
A collection is complete when it holds the expected number of documents (a build that
died midway leaves fewer), so a half-written index is never served.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path

from haystack_integrations.document_stores.qdrant import QdrantDocumentStore
from haystack.utils import Secret
from qdrant_client import QdrantClient

from treatyqa.errors import IndexLocked, IndexUnavailable
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


def index_identity(corpus_hash: str, model_setting: str) -> str:
    return f"{PREFIX}{SCHEMA_VERSION}_{corpus_hash}_{model_tag(model_setting)}"


def new_collection_name(identity: str) -> str:
    return f"{identity}_{int(time.time() * 1000):x}"


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


def _client_params(settings: Settings) -> dict:
    if settings.qdrant_url:
        return {"url": settings.qdrant_url, "api_key": settings.qdrant_api_key}
    return {"path": str(settings.qdrant_path)}


def _prepare_local(settings: Settings) -> None:
    if settings.qdrant_url:
        return
    path = settings.qdrant_path
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-probe"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise _unwritable(path, exc.strerror or str(exc)) from exc


def translate_open_error(settings: Settings, exc: BaseException) -> Exception:
    """Turn the client's errors into one plain sentence for the user."""
    text = str(exc)
    if "already accessed by another instance" in text:
        return _locked(settings)
    if settings.qdrant_url:
        return _unreachable(settings.qdrant_url, text.splitlines()[0][:200] if text else type(exc).__name__)
    if isinstance(exc, PermissionError) or "Permission denied" in text or "Read-only file system" in text:
        return _unwritable(settings.qdrant_path, text[:200])
    return exc if isinstance(exc, Exception) else RuntimeError(text)


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
        store._initialize_client()
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
    store._initialize_client()
    assert store._client is not None
    return store._client
