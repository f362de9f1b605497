"""Helpers and fixtures for the web app tests (``tests/test_app_*.py``, ``tests/test_http_*.py``).

Not a ``conftest.py``: test modules import what they use (``from conftest_app import ...``).
The real app runs once per test session (:func:`app_server`): ``python app.py`` in a
subprocess with a fresh ``TREATYQA_DATA_DIR`` (so the first start builds the index), the
model cache from ``TREATYQA_CACHE_DIR`` when set, and an audit hook (a ``sitecustomize``
on ``PYTHONPATH``) that logs every ``socket.connect`` and name lookup to a JSON Lines file.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from treatyqa.domain import Citation
from treatyqa.offline import OFFLINE_ENV

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
START_TIMEOUT = float(os.environ.get("TREATYQA_TEST_START_TIMEOUT", "1200"))

# Chromium as the issue prescribes; Playwright's own browser download does not work here.
CHROMIUM = os.environ.get("TREATYQA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# ---------------------------------------------------------------- the real app in a subprocess

# Installed with PYTHONPATH in the app's process (and any Python process it starts).
SITECUSTOMIZE = textwrap.dedent(
    '''
    import json, os, sys, threading

    _LOG = os.environ.get("TREATYQA_CONNECT_LOG")
    _EVENTS = ("socket.connect", "socket.sendto", "socket.sendmsg", "socket.getaddrinfo",
               "socket.gethostbyname", "socket.gethostbyname_ex", "socket.gethostbyaddr")
    if _LOG:
        _lock = threading.Lock()

        def _treatyqa_audit(event, args):
            if event not in _EVENTS:
                return
            try:
                if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
                    sock, address = args[0], args[-1]
                    record = {"event": event, "family": int(sock.family), "address": address}
                else:
                    record = {"event": event, "host": args[0]}
                line = json.dumps(record, default=repr)
                with _lock:
                    with open(_LOG, "a", encoding="utf-8") as fh:
                        fh.write(line + "\\n")
            except Exception:
                pass

        sys.addaudithook(_treatyqa_audit)
        with open(_LOG, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"event": "hook-installed", "pid": os.getpid(), "argv": sys.argv}) + "\\n")
    '''
)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(data_dir: Path, port: int, hook_dir: Path | None = None, connect_log: Path | None = None) -> dict[str, str]:
    """The environment for ``python app.py``: ours, minus the offline variables.

    The offline variables are removed so that the test proves the app sets them itself.
    """
    env = {k: v for k, v in os.environ.items() if k not in OFFLINE_ENV}
    env.update(
        TREATYQA_DATA_DIR=str(data_dir),
        TREATYQA_PORT=str(port),
        TREATYQA_HOST="127.0.0.1",
        PYTHONUNBUFFERED="1",
    )
    env.pop("TREATYQA_AUTH", None)
    if hook_dir is not None:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(hook_dir), env.get("PYTHONPATH")) if p)
    if connect_log is not None:
        env["TREATYQA_CONNECT_LOG"] = str(connect_log)
    return env


@dataclass
class AppProcess:
    proc: subprocess.Popen
    url: str
    port: int
    data_dir: Path
    log_path: Path
    connect_log: Path | None
    started_seconds: float = 0.0
    _log: Any = field(default=None, repr=False)

    @property
    def feedback_path(self) -> Path:
        return self.data_dir / "feedback.jsonl"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def connects(self) -> list[dict[str, Any]]:
        if self.connect_log is None or not self.connect_log.exists():
            return []
        return [json.loads(line) for line in self.connect_log.read_text().splitlines() if line.strip()]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None


def start_app(
    data_dir: Path,
    *,
    port: int | None = None,
    hook_dir: Path | None = None,
    connect_log: Path | None = None,
    wait: bool = True,
    timeout: float = START_TIMEOUT,
) -> AppProcess:
    """``python app.py`` with its console captured in ``data_dir/../app-<port>.log``."""
    port = port or free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir.parent / f"app-{port}.log"
    log = open(log_path, "w", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(APP)],
        cwd=str(ROOT),
        env=app_env(data_dir, port, hook_dir, connect_log),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    app = AppProcess(proc, f"http://127.0.0.1:{port}/", port, data_dir, log_path, connect_log, _log=log)
    if wait:
        started = time.monotonic()
        wait_ready(app, timeout)
        app.started_seconds = time.monotonic() - started
    return app


def wait_ready(app: AppProcess, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.proc.poll() is not None:
            raise RuntimeError(f"app.py exited with {app.proc.returncode}:\n{app.log()[-4000:]}")
        try:
            with urllib.request.urlopen(app.url + "api/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    app.stop()
    raise RuntimeError(f"app.py was not ready after {timeout:.0f} s:\n{app.log()[-4000:]}")


_SERVER: AppProcess | None = None
_SERVER_LOCK = threading.Lock()
_SERVER_ROOT: Path | None = None


def _shared_server() -> AppProcess:
    """One real app per test session (its first start builds the index: about two minutes)."""
    global _SERVER, _SERVER_ROOT
    with _SERVER_LOCK:
        if _SERVER is None:
            _SERVER_ROOT = Path(tempfile.mkdtemp(prefix="treatyqa-app-"))
            reuse = os.environ.get("TREATYQA_TEST_INDEX_FROM")
            if reuse:  # a copy of an index built before: the app starts in a minute, not five
                shutil.copytree(reuse, _SERVER_ROOT / "data", ignore=shutil.ignore_patterns(".lock", "feedback.jsonl"))
            hook_dir = _SERVER_ROOT / "hook"
            hook_dir.mkdir()
            (hook_dir / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
            _SERVER = start_app(
                _SERVER_ROOT / "data", hook_dir=hook_dir, connect_log=_SERVER_ROOT / "connects.jsonl"
            )
            atexit.register(_stop_shared)
        elif _SERVER.proc.poll() is not None:
            raise RuntimeError(f"the shared app died ({_SERVER.proc.returncode}):\n{_SERVER.log()[-4000:]}")
        return _SERVER


def _stop_shared() -> None:
    global _SERVER
    if _SERVER is not None:
        _SERVER.stop()
        _SERVER = None
    if _SERVER_ROOT is not None and not os.environ.get("TREATYQA_KEEP_TEST_APP"):
        shutil.rmtree(_SERVER_ROOT, ignore_errors=True)


@pytest.fixture(scope="session")
def app_server() -> AppProcess:
    """The running app (``.url``, ``.data_dir``, ``.feedback_path``, ``.connects()``, ``.log()``)."""
    server = _shared_server()
    yield server
    _stop_shared()


# ---------------------------------------------------------------- HTTP and CLI helpers


def post_json(url: str, payload: Any, timeout: float = 60) -> tuple[int, Any]:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode("utf-8")
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read().decode("utf-8"))


def cli_ask(question: str, data_dir: Path, *args: str) -> dict[str, Any]:
    """``python -m treatyqa ask --json QUESTION`` on ``data_dir``, parsed."""
    env = app_env(data_dir, 0)
    out = subprocess.run(
        [sys.executable, "-m", "treatyqa", "ask", "--json", *args, question],
        cwd=str(ROOT),
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout)


def copy_index(app: AppProcess, dest: Path) -> Path:
    """A copy of the running app's data folder (the embedded store allows one process per folder)."""
    shutil.copytree(app.data_dir, dest, ignore=shutil.ignore_patterns(".lock", "feedback.jsonl"))
    return dest


def hits_key(result: dict[str, Any]) -> list[tuple]:
    """What 'the same hits' means: citation identity, labels, texts and highlights, in order.

    Scores are compared separately, with a tolerance (:func:`scores_close`).
    """
    return [
        (h["article"], h["paragraph"], h["item"], h["citation"], h["text"]["kk"], h["text"]["ru"], h["highlight"])
        for h in result["hits"]
    ]


def scores_close(a: dict[str, Any], b: dict[str, Any], tol: float = 1e-4) -> bool:
    return len(a["hits"]) == len(b["hits"]) and all(
        abs(x["score"] - y["score"]) <= tol for x, y in zip(a["hits"], b["hits"], strict=True)
    )


# ---------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def browser_context():
    """A headless Debian Chromium with a fresh profile, driven by Playwright."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    profile = tempfile.mkdtemp(prefix="treatyqa-chromium-")
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
            locale="en-US",
        )
        context.set_default_timeout(30_000)
        # copy-citation is read back from the clipboard (the page's own origin only)
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        try:
            yield context
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


__all__ = [
    "AppProcess",
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "app_env",
    "app_server",
    "browser_context",
    "citation_key",
    "cli_ask",
    "copy_index",
    "free_port",
    "hits_key",
    "post_json",
    "scores_close",
    "start_app",
]


def citation_key(hit: dict[str, Any]) -> str:
    return Citation(hit["article"], hit["paragraph"], hit["item"]).key()
