"""The one-process app without a model (a fake TreatyQA): assets, login, start-up exits."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest_app import FakeQA
from treatyqa.errors import IndexLocked, IndexUnavailable
from treatyqa.settings import Settings
from treatyqa.web.server import EXIT_LOCKED, EXIT_PORT, EXIT_UNAVAILABLE, build_app, serve


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", cache_dir=tmp_path / "cache")


def test_page_scripts_styles_and_fonts_are_all_local(settings):
    with TestClient(build_app(FakeQA(), settings)) as client:
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


def test_ui_events_are_private_only_ask_is_an_api(settings):
    with TestClient(build_app(FakeQA(), settings)) as client:
        info = client.get("/gradio_api/info").json()
    assert list(info["named_endpoints"]) == ["/ask"]
    params = [p["parameter_name"] for p in info["named_endpoints"]["/ask"]["parameters"]]
    assert params == ["question", "top_k", "lang"]


def test_login_from_settings_guards_chat_and_api(settings):
    from dataclasses import replace

    app = build_app(FakeQA(), replace(settings, auth="staff:pw"))
    with TestClient(app) as client:
        assert client.post("/api/ask", json={"question": "Вопрос о запросе"}).status_code == 401
        assert client.get("/config").status_code == 401
        assert client.post("/login", data={"username": "staff", "password": "nope"}).status_code == 400
        assert client.post("/login", data={"username": "staff", "password": "pw"}).status_code == 200
        assert client.get("/config").status_code == 200
        ok = client.post("/api/ask", json={"question": "Вопрос о запросе"}, auth=("staff", "pw"))
        assert ok.status_code == 200


def test_second_process_on_the_same_index_exits_with_a_plain_message(settings):
    said: list[str] = []

    def locked(**_):
        raise IndexLocked("The index in /x is in use by another TreatyQA process.", "kk: қолданыста", "ru: занят")

    assert serve(settings, said.append, make_qa=locked) == EXIT_LOCKED
    assert any("in use by another TreatyQA process" in line for line in said)
    assert any(line == "ru: занят" for line in said) and any(line == "kk: қолданыста" for line in said)


def test_unavailable_index_exits_with_its_message(settings):
    said: list[str] = []

    def broken(**_):
        raise IndexUnavailable("Cannot write the index to /x.", "kk", "ru")

    assert serve(settings, said.append, make_qa=broken) == EXIT_UNAVAILABLE
    assert "Cannot write the index to /x." in said


def test_busy_port_is_a_plain_message_and_the_index_is_released(settings):
    qa = FakeQA()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        said: list[str] = []
        from dataclasses import replace

        code = serve(replace(settings, port=port), said.append, make_qa=lambda **_: qa)
    assert code == EXIT_PORT
    assert any(f"Cannot listen on 127.0.0.1:{port}" in line and "TREATYQA_PORT" in line for line in said)
    assert getattr(qa, "closed", False)


def test_bad_login_setting_is_refused(settings):
    from dataclasses import replace

    said: list[str] = []
    assert serve(replace(settings, auth="no-colon"), said.append, make_qa=lambda **_: FakeQA()) == EXIT_UNAVAILABLE
    assert any("TREATYQA_AUTH must be user:password" in line for line in said)
