"""The Python API that the CLI, the HTTP endpoint, the web chat and the evaluation share.

It opens the index that ``python -m indexing`` (or :func:`treatyqa.entry.open_qa`) built:

>>> from treatyqa import TreatyQA
>>> with TreatyQA() as qa:
...     answer = qa.ask("Что должен содержать запрос о содействии?", top_k=3)
...     answer.hits[0].label
'Статья 5, пункт 3'
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from haystack import Pipeline
from haystack_integrations.document_stores.qdrant import QdrantDocumentStore

from treatyqa import offline as _offline  # noqa: F401
from treatyqa.abstention import Abstention, Vocabulary
from treatyqa.answering import build_answer
from treatyqa.catalog import IndexPlan, index_status, plan_index, serving_snapshot
from treatyqa.corpus import CorpusError, corpus_dir, corpus_signature, load_agreement, load_agreement_from
from treatyqa.domain import LANGUAGES, MODES, Agreement, Answer, Citation, check_mode
from treatyqa.embedding.model import resolve_model
from treatyqa.embedding.prompts import model_prompts
from treatyqa.errors import IndexUnavailable, InvalidQuestion
from treatyqa.language import preload
from treatyqa.lexicon import Lexicon
from treatyqa.normalization import NormalizedQuery
from treatyqa.retrieval import build_retrieval_pipeline, embedding_dim, pipeline_inputs
from treatyqa.settings import Settings
from treatyqa.snapshot import IndexSnapshot, export_snapshot, find_snapshot, load_snapshot, snapshots_root
from treatyqa.store import connect_store, dimension_mismatch, make_document_store
from treatyqa.validation import validate_question, validate_top_k

logger = logging.getLogger(__name__)

# Fusion weights and the abstention rule, chosen on eval/gold/dev.jsonl by python -m eval.tune.
CALIBRATION_FILE = Path(__file__).resolve().parent / "calibration.json"
REBUILD_CHECK_SECONDS = 1.0  # how often a serving process looks for a rebuilt index
# Questions computed at once by one TreatyQA. The serving path reads only shared, unchanging
# data (the snapshot's arrays, the lexicon, the clause list); the pipelines keep no state
# between runs; the embedding engine and lingua take their own locks, and pymorphy3 has one
# analyzer per thread. The state that changes (a rebuilt index, an edited corpus) is swapped
# under ``_lock`` and read once at the start of a question.
ANSWERING_SLOTS = 4


def load_calibration(path: Path = CALIBRATION_FILE) -> tuple[dict[str, float], Abstention]:
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return data.get("weights", {}), Abstention.from_dict(data.get("abstention", {}))


def seconds_since_launch() -> float | None:
    """Time since this process started (imports included), from /proc; None elsewhere."""
    try:
        start_ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return None


def _missing_index(others: list[str]) -> IndexUnavailable:
    if others:  # built from another corpus, data or model version, or left half-written
        return IndexUnavailable(
            f"The index is stale (built from another corpus or model: {', '.join(others)}). Rebuild it with: python -m indexing",
            "Индекс ескірген (басқа корпус не модельмен құрылған). Оны қайта құрыңыз: python -m indexing",
            "Индекс устарел (построен по другой версии корпуса или модели). Перестройте его: python -m indexing",
        )
    return IndexUnavailable(
        "No index was found. Build it with: python -m indexing",
        "Индекс табылмады. Оны құрыңыз: python -m indexing",
        "Индекс не найден. Постройте его: python -m indexing",
    )


def _closed_index() -> IndexUnavailable:
    return IndexUnavailable(
        "The index has been closed: this TreatyQA no longer answers. Start the app again.",
        "Индекс жабылды: бұл TreatyQA енді жауап бермейді. Қолданбаны қайта іске қосыңыз.",
        "Индекс закрыт: этот экземпляр TreatyQA больше не отвечает. Запустите приложение снова.",
    )


class TreatyQA:
    """Ask the agreement a question in Kazakh or Russian; get cited clauses in both languages.

    It opens the index that is there: a missing or stale one raises :class:`IndexUnavailable`
    (:func:`treatyqa.entry.open_qa` builds one first, as the app and the CLI do).
    ``preload_language=False`` leaves lingua's models (about a second) to the first question
    whose letters do not settle its language.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        progress: Callable[[str], None] | None = None,
        abstention: Abstention | None = None,
        weights: dict[str, float] | None = None,
        preload_language: bool = True,
    ):
        started = time.perf_counter()
        self.settings = settings or Settings.from_env()
        self._corpus = corpus_dir(self.settings)
        self._corpus_seen = corpus_signature(self._corpus)
        self._waiting_for = None  # the plan of an edited corpus whose index is not built yet
        agreement = load_agreement(self._corpus)
        calibrated_weights, calibrated_abstention = load_calibration()
        self.abstention = abstention or calibrated_abstention
        weights = weights if weights is not None else calibrated_weights
        say = progress or logger.info
        plan = plan_index(self.settings, agreement)
        self._identity, self._expected = plan.identity, plan.expected
        # the embedded default serves a lock-free snapshot of the index (treatyqa.snapshot);
        # a Qdrant server is searched through qdrant-haystack as it is
        snapshot = serving_snapshot(self.settings, plan)
        if snapshot is None:
            collection, others = index_status(self.settings, plan)
            if collection is None:
                raise _missing_index(others)
            if not self.settings.qdrant_url:  # a build exports one; an older index gets one now
                snapshot = find_snapshot(self._snapshots, plan.identity, plan.expected) or export_snapshot(
                    self.settings, collection
                )
        say("Loading the embedding model…")
        self.model = resolve_model(self.settings.model, self.settings.cache_dir, progress=say)
        self._prompts = model_prompts(self.model)
        self._weights = weights
        self._read_corpus(agreement, plan)
        if snapshot is None:
            self.collection = collection
            self._store = make_document_store(self.settings, collection)
            self._pipelines = self._build_pipelines(self._store)
            connect_store(self.settings, self._store, embedding_dim(self._pipelines["dense"]))
        else:
            self._use_snapshot(load_snapshot(snapshot))
        self._checked_at = time.monotonic()
        if preload_language:  # a one-question process loads lingua only if the letters do not decide
            preload()
        self._lock = threading.Lock()  # the serving state: store, pipelines, corpus
        self._idle = threading.Condition(self._lock)  # no question computing (for close)
        self._computing = 0
        self._slots = threading.BoundedSemaphore(ANSWERING_SLOTS)
        self._answered = 0  # questions run through a pipeline (refused ones are not counted)
        atexit.register(self.close)
        self.startup_seconds = time.perf_counter() - started
        launch = seconds_since_launch()
        say(f"Ready ({self.startup_seconds:.1f} s" + (f"; {launch:.1f} s since launch)." if launch else ")."))

    def _read_corpus(self, agreement: Agreement, plan: IndexPlan) -> None:
        """What the pipelines and answers read from the corpus. The index holds exactly the
        plan's documents (its identity says so): its words are read from the plan rather
        than from the store."""
        self.agreement, self._clauses = agreement, list(agreement.citations())
        self.lexicon, self.vocabulary = Lexicon.from_documents(plan.documents), Vocabulary.from_documents(plan.documents)

    def pipeline(self, mode: str = "hybrid") -> Pipeline:
        """The retrieval pipeline of ``mode``, for tools that read its components' outputs
        (``python -m eval.tune``); ``ask`` is the way to answer."""
        check_mode(mode)
        return self._pipelines[mode]

    @property
    def _snapshots(self) -> Path:
        return snapshots_root(self.settings.data_dir)

    def _build_pipelines(self, source: QdrantDocumentStore | IndexSnapshot) -> dict:
        pipelines = {
            mode: build_retrieval_pipeline(
                source, self.model, self._prompts, self._clauses, self.lexicon, mode, self._weights, self.settings.model
            )
            for mode in MODES
        }
        for pipeline in pipelines.values():
            pipeline.warm_up()
        return pipelines

    def _use_snapshot(self, snapshot: IndexSnapshot) -> None:
        pipelines = self._build_pipelines(snapshot)
        dim = embedding_dim(pipelines["dense"])
        if dim != snapshot.dimension:
            raise dimension_mismatch(snapshot.collection, dim, f"the index has {snapshot.dimension}")
        self._store, self._pipelines, self.collection = snapshot, pipelines, snapshot.collection

    def _follow_rebuilds(self) -> None:
        """Move to a newer snapshot of the index (a rebuild by another process), or to the
        index of an edited corpus once it is built; checked at most once a second; the
        caller holds the lock."""
        if not isinstance(self._store, IndexSnapshot) or time.monotonic() - self._checked_at < REBUILD_CHECK_SECONDS:
            return
        self._checked_at = time.monotonic()
        self._follow_corpus()
        if self._waiting_for is not None:
            self._move_to(self._waiting_for)
            return
        newest = find_snapshot(self._snapshots, self._identity, self._expected)
        if newest is None or newest.collection <= self.collection:
            return
        try:
            self._use_snapshot(load_snapshot(newest))
        except (OSError, ValueError) as exc:  # pruned or unreadable: keep serving the one loaded
            logger.warning("could not load the rebuilt index %s (%s); still serving %s", newest.collection, exc, self.collection)
            return
        logger.info("moved to the rebuilt index %s", self.collection)

    def _follow_corpus(self) -> None:
        """Notice an edited corpus folder: the translator's notes are taken at once; a changed
        text waits for its index, and until then the text as indexed is served, said once."""
        seen = corpus_signature(self._corpus)
        if seen == self._corpus_seen:
            return
        self._corpus_seen = seen
        try:
            agreement = load_agreement_from(self._corpus)
        except CorpusError as exc:
            logger.warning("The corpus in %s no longer reads (%s); still serving the text as indexed.", self._corpus, exc)
            return
        plan = plan_index(self.settings, agreement)
        if plan.identity == self._identity:  # the same texts (notes or nothing changed)
            self.agreement, self._waiting_for = agreement, None
            return
        self._waiting_for = (agreement, plan)
        logger.warning(
            "The agreement text in %s changed after start-up; answers still come from the text as indexed "
            "(%s). Run python -m indexing: this process moves to the new index when it is built.",
            self._corpus,
            self.collection,
        )

    def _move_to(self, waiting: tuple[Agreement, IndexPlan]) -> None:
        """Serve the edited corpus once its index is there (everything read from it changes)."""
        agreement, plan = waiting
        found = find_snapshot(self._snapshots, plan.identity, plan.expected)
        if found is None:
            return
        kept = (self.agreement, self._clauses, self.lexicon, self.vocabulary)
        self._read_corpus(agreement, plan)
        try:
            self._use_snapshot(load_snapshot(found))
        except (OSError, ValueError) as exc:  # pruned or unreadable: keep serving the one loaded
            self.agreement, self._clauses, self.lexicon, self.vocabulary = kept
            logger.warning("could not load the index of the edited corpus %s (%s); still serving %s", found.collection, exc, self.collection)
            return
        self._identity, self._expected, self._waiting_for = plan.identity, plan.expected, None
        logger.warning("The edited agreement text is now served (index %s).", self.collection)

    def ask(self, question: str, top_k: int = 5, lang: str | None = None, mode: str = "hybrid") -> Answer:
        """Rank the agreement's clauses for ``question``; ``lang`` overrides detection."""
        check_mode(mode)
        validate_top_k(top_k)
        text = validate_question(question, self.settings.max_question_chars)
        if lang is not None and lang not in LANGUAGES:
            raise InvalidQuestion(
                f"Unknown language {lang!r}: use kk or ru.",
                f"Белгісіз тіл {lang!r}: kk немесе ru қолданыңыз.",
                f"Неизвестный язык {lang!r}: используйте kk или ru.",
            )
        started = time.perf_counter()
        with self._slots:  # at most ANSWERING_SLOTS questions at once
            with self._lock:  # the state of one moment: a rebuild swaps it only here
                if self._store is None:  # closed: the store would silently reopen (and relock) on use
                    raise _closed_index()
                self._follow_rebuilds()
                pipeline, agreement, vocabulary = self._pipelines[mode], self.agreement, self.vocabulary
                self._computing += 1
            try:
                result = pipeline.run(pipeline_inputs(text, lang), include_outputs_from={"normalizer", "citations"})
            finally:
                with self._lock:
                    self._computing -= 1
                    self._answered += 1
                    self._idle.notify_all()
        query: NormalizedQuery = result["normalizer"]["query"]
        ranked = result["fusion"]["documents"]
        looked_up = result["citations"]
        missing = tuple(Citation(article, paragraph) for article, paragraph in looked_up["missing"])
        cited = bool(ranked) and ranked[0].meta.get("pinned", False)
        features, abstained = self.abstention.judge(query, result["fusion"]["offtopic_gap"], vocabulary, cited)
        if missing and looked_up["bare"] and not looked_up["citations"]:
            ranked, abstained = [], True  # "Статья 16" alone: nothing near it is an answer
        answer = build_answer(text, query, ranked, agreement, top_k, abstained, missing)
        elapsed = (time.perf_counter() - started) * 1000
        return replace(answer, timings_ms={"total": elapsed}, abstention_features=features)

    @property
    def answering_slots(self) -> int:
        """How many questions this instance computes at once (more wait for a slot)."""
        return ANSWERING_SLOTS

    @property
    def questions_answered(self) -> int:
        """How many questions this instance has computed (run through a pipeline) so far."""
        return self._answered

    @property
    def closed(self) -> bool:
        return getattr(self, "_store", None) is None

    def close(self) -> None:
        """Release the store (and its lock on the index folder); ``ask`` then raises :class:`IndexUnavailable`."""
        lock = getattr(self, "_lock", None) or contextlib.nullcontext()
        with lock:  # not in the middle of someone's ask
            idle = getattr(self, "_idle", None)
            if idle is not None:
                idle.wait_for(lambda: self._computing == 0)
            store, self._store = getattr(self, "_store", None), None
            if isinstance(store, QdrantDocumentStore):
                store.close()

    def __enter__(self) -> TreatyQA:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
