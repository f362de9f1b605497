"""``python app.py`` on an empty data folder: it listens at once and shows the build's progress."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest_app import START_TIMEOUT, start_app, wait_ready
from treatyqa.corpus import load_agreement
from treatyqa.documents import all_documents

pytestmark = pytest.mark.slow

LISTEN_WITHIN_S = 60  # imports only (a few seconds when idle); generous on a loaded machine


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, resp.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def test_first_start_serves_a_starting_page_with_counts_then_the_chat(tmp_path: Path):
    total = len(all_documents(load_agreement()))  # what the build has to embed
    app = start_app(tmp_path / "data", wait=False)
    try:
        launched = time.monotonic()
        status, page = None, ""
        while time.monotonic() - launched < LISTEN_WITHIN_S and app.proc.poll() is None:
            try:
                status, page = get(app.url, {"Accept-Language": "kk"})
                break
            except (urllib.error.URLError, OSError):  # not listening yet
                time.sleep(0.2)
        assert status == 200, app.log()[-3000:]
        assert "TreatyQA іске қосылуда" in page and "TreatyQA запускается" in page
        assert '<meta http-equiv="refresh"' in page and "gradio_config" not in page

        # while the index is built: 503 "starting" with counts, and the page shows them
        deadline = time.monotonic() + START_TIMEOUT
        counted = None
        while counted is None and time.monotonic() < deadline and app.proc.poll() is None:
            code, text = get(app.url + "api/health")
            assert code in (200, 503), text
            if code == 200:
                break
            body = json.loads(text)
            assert body["status"] == "starting" and body["error"].startswith("TreatyQA is starting")
            if body["stage"] == "index" and body["done"]:
                counted = body
            time.sleep(0.3)
        assert counted is not None, f"no count seen while building:\n{app.log()[-3000:]}"
        assert 0 < counted["done"] < counted["total"] == total and counted["eta_seconds"] is not None
        status, page = get(app.url, {"Accept-Language": "ru"})
        assert status == 200 and "TreatyQA запускается" in page
        assert "обработано документов:" in page or "загрузка индекса и модели" in page  # the build may just have ended

        # then the real chat, on the same address
        wait_ready(app, START_TIMEOUT)
        status, page = get(app.url)
        assert status == 200 and "gradio_config" in page
        deadline = time.monotonic() + 10  # said right after uvicorn reports it started
        while "The chat is ready" not in app.log() and time.monotonic() < deadline:
            time.sleep(0.1)
        log = app.log()
        assert log.index("Listening on " + app.url) < log.index(f"Building the index ({total} documents)")
        assert f"Building the index: {total} of {total} documents (100 %)" in log  # lines, not a bar: not a terminal
        assert log.index("Writing the index") < log.index("The chat is ready: " + app.url)
        assert "Traceback" not in log
    finally:
        app.stop()
