"""Several processes on one data folder: two apps, an evaluation and the CLI at once, and a
rebuild while the apps serve (they move to the new index without a restart)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest_app import ROOT, post_json, start_app
from treatyqa.settings import Settings
from treatyqa.snapshot import list_snapshots, snapshots_root

GOLD = [
    {"id": "kk-s1", "lang": "kk", "question": "Шығыстарды кім көтереді?", "citations": [{"article": 9, "paragraph": None}]},
    {"id": "ru-s1", "lang": "ru", "question": "Кто несет расходы?", "citations": [{"article": 9, "paragraph": None}]},
]


def _health(app) -> dict:
    import urllib.request

    with urllib.request.urlopen(app.url + "api/health", timeout=30) as resp:
        return json.loads(resp.read())


def _run(args: list[str], data_dir: Path) -> subprocess.Popen:
    env = {**os.environ, "TREATYQA_DATA_DIR": str(data_dir)}
    return subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_apps_eval_cli_and_a_rebuild_share_one_data_folder(data_copy: Path, tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps(g, ensure_ascii=False) + "\n" for g in GOLD), encoding="utf-8")
    first = start_app(data_copy)
    second = None
    try:
        second = start_app(data_copy)  # the same folder: no "in use by another process"
        before = _health(first)["collection"]
        assert _health(second)["collection"] == before
        others = [
            _run(["-m", "eval.run", "--gold", str(gold), "--systems", "hybrid"], data_copy),
            _run(["-m", "treatyqa", "ask", "--json", "Кто несет расходы?"], data_copy),
            _run(["-m", "indexing", "--rebuild"], data_copy),
        ]
        for app in (first, second):  # the apps answer while the others run
            status, body = post_json(app.url + "api/ask", {"question": "Тараптар қай тілді пайдаланады?"})
            assert status == 200 and body["hits"][0]["article"] == 10
        results = [p.communicate(timeout=900) for p in others]
        for proc, (out, err) in zip(others, results, strict=True):
            assert proc.returncode == 0, err[-3000:]
        assert "R@1" in results[0][0] and "1.000" in results[0][0]
        assert json.loads(results[1][0])["hits"][0]["article"] == 9
        newest = list_snapshots(snapshots_root(Settings.from_env(data_dir=data_copy).data_dir))[-1].collection
        assert newest != before
        for app in (first, second):
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:  # the app looks for a rebuild at most once a second
                status, body = post_json(app.url + "api/ask", {"question": "Кто несет расходы?"})
                assert status == 200 and body["hits"][0]["article"] == 9
                if _health(app)["collection"] == newest:
                    break
                time.sleep(1.1)
            assert _health(app)["collection"] == newest, app.log()[-3000:]
            assert "Traceback" not in app.log()
    finally:
        first.stop()
        if second is not None:
            second.stop()


@pytest.mark.slow
def test_an_edited_corpus_is_noticed_and_served_once_its_index_is_built(data_copy: Path, tmp_path: Path, monkeypatch, caplog) -> None:
    """The corpus is edited while a process serves: it keeps answering from the text as
    indexed and says so once; after ``python -m indexing`` it serves the edited text."""
    import logging
    import shutil

    from indexing.build import build_index
    from treatyqa.api import REBUILD_CHECK_SECONDS, TreatyQA
    from treatyqa.corpus import DEFAULT_CORPUS_DIR

    corpus = tmp_path / "corpus"
    shutil.copytree(DEFAULT_CORPUS_DIR, corpus, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    monkeypatch.setenv("TREATYQA_CORPUS_DIR", str(corpus))
    settings = Settings.from_env(data_dir=data_copy)
    build_index(settings)
    question = "Кто несет расходы при исполнении соглашения?"

    def costs_text(qa: TreatyQA) -> str:
        return next(h.text["ru"] for h in qa.ask(question, top_k=10).hits if h.citation.article == 9)

    with TreatyQA(settings) as qa:
        assert "самостоятельно несут" in costs_text(qa)
        first = qa.collection
        ru = corpus / "ru.txt"
        ru.write_text(ru.read_text(encoding="utf-8").replace("самостоятельно несут", "сами несут"), encoding="utf-8")
        time.sleep(REBUILD_CHECK_SECONDS + 0.2)
        with caplog.at_level(logging.WARNING, logger="treatyqa.api"):
            assert "самостоятельно несут" in costs_text(qa)  # the text as indexed, not a mix
            time.sleep(REBUILD_CHECK_SECONDS + 0.2)
            costs_text(qa)
        assert caplog.text.count("changed after start-up") == 1

        rebuild = _run(["-m", "indexing"], data_copy)
        assert rebuild.wait(timeout=600) == 0, rebuild.stderr.read()
        time.sleep(REBUILD_CHECK_SECONDS + 0.2)
        assert "сами несут" in costs_text(qa)
        assert qa.collection != first
