"""The one-process app over the real TreatyQA (in process): assets, login, start-up exits."""

from __future__ import annotations

import re
import socket
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest_app import free_port, post_json
from treatyqa.settings import Settings
from treatyqa.store import open_client
from treatyqa.web.feedback import FeedbackStore
from treatyqa.web.server import EXIT_PORT, EXIT_UNAVAILABLE, build_app, serve

pytestmark = pytest.mark.slow


@pytest.fixture()
def feedback(tmp_path: Path) -> FeedbackStore:
    """Feedback goes to this test's folder, not into the shared index folder."""
    return FeedbackStore(tmp_path / "feedback.jsonl")


@pytest.fixture()
def busy_port():
    """A port that is taken: should a start-up failure below regress, ``serve`` stops at the
    port instead of serving forever."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        yield taken.getsockname()[1]


def test_page_scripts_styles_and_fonts_are_all_local(qa, qa_settings, feedback):
    with TestClient(build_app(qa, qa_settings, feedback)) as client:
        page = client.get("/")
        assert page.status_code == 200 and "gradio_config" in page.text
        for url in re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="([^"]+)"', page.text):
            assert not re.match(r"(https?:)?//", url), url
        css = client.get("/theme.css").text
        assert "googleapis" not in css and "@import" not in css
        assert not [u for u in re.findall(r"url\(([^)]*)\)", css) if re.match(r"['\"]?(https?:)?//", u)]
        assert client.get("/api/health").json()["status"] == "ok"
        config = client.get("/config").json()
        assert config["analytics_enabled"] is False


def test_ui_events_are_private_only_ask_is_an_api(qa, qa_settings, feedback):
    with TestClient(build_app(qa, qa_settings, feedback)) as client:
        info = client.get("/gradio_api/info").json()
    assert list(info["named_endpoints"]) == ["/ask"]
    params = [p["parameter_name"] for p in info["named_endpoints"]["/ask"]["parameters"]]
    assert params == ["question", "top_k", "lang"]


def test_login_from_settings_guards_chat_and_api(qa, qa_settings, feedback):
    app = build_app(qa, qa_settings.model_copy(update=dict(auth="staff:pw")), feedback)
    question = "Кто несет расходы?"
    with TestClient(app) as client:
        assert client.post("/api/ask", json={"question": question}).status_code == 401
        assert client.get("/config").status_code == 401
        assert client.post("/login", data={"username": "staff", "password": "nope"}).status_code == 400
        assert client.post("/login", data={"username": "staff", "password": "pw"}).status_code == 200
        assert client.get("/config").status_code == 200
        ok = client.post("/api/ask", json={"question": question}, auth=("staff", "pw"))
        assert ok.status_code == 200 and ok.json()["hits"][0]["citation"] == "Статья 9"


def _serve_in_thread(settings: Settings, said: list[str]) -> tuple[threading.Thread, threading.Event, list[int]]:
    """``serve`` as ``python app.py`` runs it, in a thread that ``stop`` ends."""
    stop, codes = threading.Event(), []
    thread = threading.Thread(target=lambda: codes.append(serve(settings, said.append, stop=stop)), daemon=True)
    thread.start()
    return thread, stop, codes


def _wait_for(said: list[str], text: str, thread: threading.Thread, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while not any(text in line for line in said) and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert any(text in line for line in said), said


def test_second_start_on_an_index_in_use_serves_it_too(qa, qa_settings):
    """The session's TreatyQA serves ``qa_settings``' folder; a second one loads the same index
    (it reads the lock-free snapshot) and serves it."""
    said: list[str] = []
    port = free_port()
    thread, stop, codes = _serve_in_thread(qa_settings.model_copy(update=dict(port=port)), said)
    try:
        _wait_for(said, "The chat is ready", thread)
        status, body = post_json(f"http://127.0.0.1:{port}/api/ask", {"question": "Кто несет расходы?"})
        assert status == 200 and body["hits"][0]["article"] == 9
    finally:
        stop.set()
        thread.join(60)
    assert codes == [0], said
    assert any(line.startswith("Ready (") for line in said), said
    assert not any("in use by another TreatyQA process" in line for line in said)
    assert qa.ask("Кто несет расходы?").hits  # the first is unharmed


def test_unwritable_data_folder_exits_with_its_message(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    settings = Settings.from_env(data_dir=blocker / "data", port=free_port())
    said: list[str] = []
    # in a thread, as app.py's own is free of other event loops (the browser tests leave one here)
    thread, _, codes = _serve_in_thread(settings, said)
    thread.join(600)
    assert codes == [EXIT_UNAVAILABLE], said  # after the starting page, not instead of it
    assert any(line.startswith("Listening on ") for line in said), said
    assert any(
        line.startswith(f"Cannot write the index to {blocker / 'data' / 'qdrant'}") and "TREATYQA_DATA_DIR" in line
        for line in said
    ), said


def test_busy_port_is_said_at_once_before_anything_loads(qa_settings, data_copy, busy_port):
    settings = qa_settings.model_copy(update=dict(data_dir=data_copy, port=busy_port))
    said: list[str] = []
    assert serve(settings, said.append) == EXIT_PORT
    assert not any(line.startswith("Ready (") for line in said), said  # no minutes of building first
    assert any(f"Cannot listen on 127.0.0.1:{busy_port}" in line and "TREATYQA_PORT" in line for line in said)
    open_client(settings).close()  # raises IndexLocked if serve had opened the store and kept it


def test_bad_login_setting_is_refused_before_loading_anything(qa, qa_settings, busy_port):
    said: list[str] = []
    assert serve(qa_settings.model_copy(update=dict(auth="no-colon", port=busy_port)), said.append) == EXIT_UNAVAILABLE
    assert any("TREATYQA_AUTH must be user:password" in line for line in said)
    assert not any("in use by another TreatyQA process" in line for line in said)
