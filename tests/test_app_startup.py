"""``python app.py``: first start with progress, nothing but loopback on the wire, one process per index."""

from __future__ import annotations

import ipaddress
import json
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest_app import SITECUSTOMIZE, app_server, post_json, start_app  # noqa: F401  (app_server is a fixture)

LOCAL_NAMES = {None, "", "localhost", "127.0.0.1", "::1", "ip6-localhost"}


def is_local(record: dict) -> bool:
    if record["event"] == "hook-installed":
        return True
    if "host" in record:  # a name lookup
        host = record["host"]
        if isinstance(host, bytes):
            host = host.decode()
        if host in LOCAL_NAMES:
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
    family, address = record["family"], record["address"]
    if family == socket.AF_UNIX:
        return True
    if family in (socket.AF_INET, socket.AF_INET6):
        host = address[0] if isinstance(address, (list, tuple)) else str(address)
        if host in ("localhost",):
            return True
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            return False
        mapped = getattr(ip, "ipv4_mapped", None)
        return ip.is_loopback or bool(mapped and mapped.is_loopback)
    return False  # netlink, packet sockets, ...: not expected from this app


def test_the_audit_hook_catches_an_outbound_connection(tmp_path):
    """The recorder itself: a connection to a non-local address is logged and judged outside."""
    (tmp_path / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    log = tmp_path / "connects.jsonl"
    code = (
        "import socket\n"
        "s = socket.socket(); s.settimeout(0.2)\n"
        "try: s.connect(('192.0.2.1', 443))\n"  # TEST-NET-1: never routed
        "except OSError: pass\n"
        "socket.getaddrinfo('localhost', 80)\n"
    )
    env = {"PYTHONPATH": str(tmp_path), "TREATYQA_CONNECT_LOG": str(log), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    records = [json.loads(line) for line in log.read_text().splitlines()]
    events = [r["event"] for r in records]
    assert events == ["hook-installed", "socket.connect", "socket.getaddrinfo"]
    assert [is_local(r) for r in records] == [True, False, True]


@pytest.mark.slow
def test_first_start_shows_progress_and_serves_when_ready(app_server):  # noqa: F811
    deadline = time.monotonic() + 10  # the line is printed right after uvicorn reports it started
    while "The chat is ready" not in app_server.log() and time.monotonic() < deadline:
        time.sleep(0.1)
    log = app_server.log()
    assert "[treatyqa] Starting TreatyQA" in log
    assert "Building the index" in log  # a fresh data folder: the first run builds it
    ready = log.index("The chat is ready: " + app_server.url)
    assert log.index("Building the index") < ready
    with urllib.request.urlopen(app_server.url, timeout=10) as resp:
        page = resp.read().decode("utf-8")
    assert resp.status == 200 and "gradio_config" in page


@pytest.mark.slow
def test_no_outbound_connection_while_starting_and_answering(app_server):  # noqa: F811
    # answer through every interface once (the hook has been recording since the process began)
    for question in ("Какие сведения должен содержать запрос об оказании содействия?", "Тараптар қай тілді пайдаланады?"):
        status, body = post_json(app_server.url + "api/ask", {"question": question})
        assert status == 200 and body["hits"]
    gradio_client = pytest.importorskip("gradio_client")
    result = gradio_client.Client(app_server.url, verbose=False).predict(
        "Кто несёт расходы?", 3, None, api_name="/ask"
    )
    assert result["hits"]
    for path in ("", "config", "gradio_api/info", "api/openapi.json", "theme.css"):
        try:
            urllib.request.urlopen(app_server.url + path, timeout=10).read()
        except OSError:
            pass
    records = app_server.connects()
    installed = [r for r in records if r["event"] == "hook-installed"]
    assert any(r["pid"] == app_server.proc.pid for r in installed), "the audit hook did not run in the app"
    outside = [r for r in records if not is_local(r)]
    assert outside == [], f"the app tried to reach: {outside}"


@pytest.mark.slow
def test_a_second_app_on_the_same_data_folder_serves_too(app_server):  # noqa: F811
    second = start_app(app_server.data_dir)
    try:
        status, body = post_json(second.url + "api/ask", {"question": "Кто несет расходы?"})
        assert status == 200 and body["hits"][0]["article"] == 9
        assert "in use by another TreatyQA process" not in second.log()
    finally:
        second.stop()
    # the first app is unharmed
    status, body = post_json(app_server.url + "api/ask", {"question": "Тараптар қай тілді пайдаланады?"})
    assert status == 200 and body["hits"][0]["article"] == 10
