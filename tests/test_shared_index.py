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
