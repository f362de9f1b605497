"""One process serves the web chat (Gradio, at ``/``) and the JSON API (``/api/...``).

``python app.py`` runs :func:`main`: it listens on ``settings.host:settings.port`` at once and
serves a starting page (:mod:`treatyqa.web.starting`) while it loads (on first run: builds)
the model cache and the index, with progress on the console; then the chat, on the same socket.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import treatyqa  # noqa: F401  (offline environment variables before gradio is imported)
import uvicorn
from uvicorn.server import HANDLED_SIGNALS
from fastapi import FastAPI

from treatyqa.console import PROGRESS_MODES, ConsoleProgress, wants_bar
from treatyqa.errors import IndexLocked, TreatyQAError
from treatyqa.parser import CorpusError
from treatyqa.progress import Progress
from treatyqa.settings import Settings, SettingsError
from treatyqa.web.feedback import FeedbackStore
from treatyqa.web.heap import HeapTrimmer
from treatyqa.web.http import create_api
from treatyqa.web.limits import MAX_BODY_BYTES, BodyLimit, LoginThrottle
from treatyqa.web.login import Login
from treatyqa.web.starting import StartingApp
from treatyqa.web.startup import StartupCancelled, StartupState
from treatyqa.web.ui import CSS, HEAD, build_blocks, make_theme

logger = logging.getLogger(__name__)

# The Gradio queue holds at most this many waiting events; more get "queue full" (HTTP 503).
QUEUE_SIZE = 64
# Browser sessions whose state (chat history, a copy of the page config) Gradio keeps; the
# oldest is forgotten beyond this. Gradio's default, 10,000, let memory grow ~50 kB a session.
SESSIONS = 500

# Exit codes of python app.py (the README's table): 1 an unexpected fault (logged), 2 cannot
# serve (no usable index, a broken corpus folder, a bad setting), 3 the index folder is held
# by another process, 4 the port is taken.
EXIT_INTERNAL = 1
EXIT_UNAVAILABLE = 2
EXIT_LOCKED = 3
EXIT_PORT = 4

# A stop while starting waits this long for the build to stop at its next count (a few seconds).
CANCEL_WAIT_S = 60


def build_app(
    qa: Any, settings: Settings, feedback: FeedbackStore | None = None, max_body_bytes: int = MAX_BODY_BYTES
) -> FastAPI:
    """The FastAPI app: ``/api/*`` routes and the Gradio chat mounted at ``/``, behind a
    body size limit and login throttling; Gradio's queue is bounded and its run history off."""
    import gradio as gr  # here: importing this module for its exit codes should not import gradio

    feedback = feedback or FeedbackStore(settings.feedback_path)
    login = Login.parse(settings.auth)
    app = create_api(qa, auth=settings.auth)
    blocks = build_blocks(qa, feedback)
    blocks.queue(default_concurrency_limit=8, max_size=QUEUE_SIZE)
    blocks.state_session_capacity = SESSIONS
    app.state.blocks = blocks
    app.state.feedback = feedback
    app = gr.mount_gradio_app(
        app,
        blocks,
        path="",
        auth=None if login is None else (login.user, login.password),
        auth_message="TreatyQA",
        footer_links=["api"],
        theme=make_theme(),
        css=CSS,
        head=HEAD,
        ssr_mode=False,
        mcp_server=False,
        pwa=False,
        enable_monitoring=False,
        show_error=False,  # gr.Error messages still show; raw exception text never does
        run_history=False,  # no run records, no model hub bucket (x-gradio-history-bucket)
    )
    app.add_middleware(LoginThrottle)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    mounted = [r.app for r in app.routes if hasattr(getattr(r, "app", None), "stop_event")]
    app.state.gradio_app = mounted[-1] if mounted else None
    return app


def stop_streams(app: FastAPI) -> None:
    """Tell Gradio's long-lived streams (heartbeats, queue events) to end, so that Ctrl+C stops
    the server at once instead of waiting for open browser tabs."""
    blocks = getattr(app.state, "blocks", None)
    if blocks is not None:
        # Gradio's public close ends the queue and the heartbeats; it has no server of its own
        # to close here (the chat is mounted in ours), so that part of it does nothing
        blocks.close(verbose=False)
    gradio_app = getattr(app.state, "gradio_app", None)
    if gradio_app is not None:
        gradio_app.stop_event.set()


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, app: FastAPI):
        super().__init__(config)
        self._app = app

    def handle_exit(self, sig: int, frame: Any) -> None:
        try:
            stop_streams(self._app)
        finally:
            super().handle_exit(sig, frame)

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """uvicorn's, without raising Ctrl+C again after its graceful shutdown: raised inside
        the event loop, it cancels the lifespan task and prints two tracebacks over a clean stop."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        original = {sig: signal.signal(sig, self.handle_exit) for sig in HANDLED_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)


def bind(host: str, port: int) -> socket.socket:
    """Take the port now, so that a busy port is a plain message, not a traceback later."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _say(message: str) -> None:
    print(f"[treatyqa] {message}", file=sys.stderr, flush=True)


def _announce_when_started(server: uvicorn.Server, url: str, say: Callable[[str], None]) -> None:
    def wait() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            say(f"The chat is ready: {url}  (JSON API: POST {url}api/ask, schema {url}api/openapi.json)")

    threading.Thread(target=wait, name="treatyqa-announce", daemon=True).start()


def _open_qa(settings: Settings, make_qa: Callable[..., Any], progress: Progress) -> tuple[Any | None, int]:
    """``make_qa(settings=..., progress=...)``, or None and the exit code (the reason said once)."""
    try:
        return make_qa(settings=settings, progress=progress), 0
    except IndexLocked as exc:
        progress(exc.message("en"))
        progress(exc.message("ru"))
        progress(exc.message("kk"))
        return None, EXIT_LOCKED
    except TreatyQAError as exc:
        progress(exc.message("en"))
        return None, EXIT_UNAVAILABLE
    except CorpusError as exc:
        progress(f"The corpus folder is not usable: {exc}")
        return None, EXIT_UNAVAILABLE
    except Exception as exc:  # noqa: BLE001 - one sentence on the console, the traceback in the log
        logger.debug("start-up failed", exc_info=True)
        progress(f"TreatyQA could not start: an internal error ({type(exc).__name__}). Run with TREATYQA_LOG_LEVEL=debug for details.")
        return None, EXIT_INTERNAL


def _prepare(settings: Settings, make_qa: Callable[..., Any] | None, progress: Progress) -> tuple[Any | None, FastAPI | None, int]:
    """The TreatyQA and the chat app to serve, or the exit code that says why there are none."""
    if make_qa is None:
        from treatyqa.entry import open_qa as make_qa  # here, after the port is taken: it imports for seconds
    qa, code = _open_qa(settings, make_qa, progress)
    if qa is None:
        return None, None, code
    try:
        return qa, build_app(qa, settings), 0
    except Exception as exc:  # noqa: BLE001
        logger.debug("building the chat failed", exc_info=True)
        progress(f"TreatyQA could not start: an internal error ({type(exc).__name__}). Run with TREATYQA_LOG_LEVEL=debug for details.")
        qa.close()
        return None, None, EXIT_INTERNAL


def _config(app: Any, settings: Settings, lifespan: str = "on") -> uvicorn.Config:
    return uvicorn.Config(
        app,
        log_level=settings.log_level,
        access_log=False,
        lifespan=lifespan,
        timeout_graceful_shutdown=5,
    )


def _stop_on(stop: threading.Event | None, server: uvicorn.Server) -> None:
    if stop is not None:
        def wait() -> None:
            stop.wait()
            server.should_exit = True

        threading.Thread(target=wait, name="treatyqa-stop", daemon=True).start()


def serve(
    settings: Settings,
    say: Callable[[str], None] = _say,
    make_qa: Callable[..., Any] | None = None,
    *,
    progress_bar: bool = False,
    stop: threading.Event | None = None,
) -> int:
    """Listen at once, then load (or build) the index while a starting page shows the progress,
    then serve the chat on the same socket until interrupted (or ``stop`` is set); the exit
    code says why it stopped.

    ``make_qa(settings=..., progress=...)`` defaults to :func:`treatyqa.entry.open_qa` (builds the index if needed);
    ``progress_bar`` draws the counts as a bar (else a line at every tenth).
    """
    say(f"Starting TreatyQA (data: {settings.data_dir}, model cache: {settings.cache_dir}).")
    try:
        Login.parse(settings.auth)
    except ValueError as exc:
        say(str(exc))
        return EXIT_UNAVAILABLE
    try:
        sock = bind(settings.host, settings.port)
    except OSError as exc:
        reason = "it is in use by another program" if exc.errno == errno.EADDRINUSE else exc.strerror
        say(f"Cannot listen on {settings.host}:{settings.port}: {reason}. Set TREATYQA_PORT to another port.")
        return EXIT_PORT
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    url = f"http://{host}:{settings.port}/"
    console = ConsoleProgress(say, bar=progress_bar)
    state = StartupState(console)
    starting = uvicorn.Server(_config(StartingApp(state), settings, lifespan="off"))
    prepared: list[tuple[Any | None, FastAPI | None, int]] = []

    def prepare() -> None:
        try:
            prepared.append(_prepare(settings, make_qa, state))
        except StartupCancelled:
            pass
        finally:
            starting.should_exit = True

    _stop_on(stop, starting)
    say(f"Listening on {url}: a page there shows the progress until the chat is ready.")
    preparing = threading.Thread(target=prepare, name="treatyqa-prepare", daemon=True)
    preparing.start()
    # uvicorn closes the socket it is given when it stops: the starting page gets a copy, so
    # that the socket itself stays open (connections wait in its queue) for the chat
    listener = sock.dup()
    interrupted = False
    try:
        starting.run(sockets=[listener])
    except KeyboardInterrupt:  # Ctrl+C before the chat was ready (uvicorn raises it again)
        interrupted = True
    finally:
        listener.close()
    stopped = interrupted or not prepared or (stop is not None and stop.is_set())
    if stopped:  # the build stops at its next count and removes what it wrote
        state.cancel()
        preparing.join(CANCEL_WAIT_S)
    console.close()
    qa, app, code = prepared[0] if prepared else (None, None, 0)
    if stopped or app is None:
        if qa is not None:
            qa.close()
        sock.close()
        if stopped:
            say("Stopped before the chat was ready.")
            return 0
        return code
    trimmer = HeapTrimmer()
    try:
        server = _Server(_config(app, settings), app)
        _stop_on(stop, server)
        _announce_when_started(server, url, say)
        trimmer.start()
        server.run(sockets=[sock])
        if server.should_exit:
            say("Stopped.")
        return 0
    finally:
        trimmer.stop()
        qa.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="app.py",
        description="Serve the TreatyQA web chat and JSON API (settings from TREATYQA_* environment variables).",
    )
    parser.add_argument("--host", help="listen address (TREATYQA_HOST, default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (TREATYQA_PORT, default 7860)")
    parser.add_argument(
        "--progress", choices=PROGRESS_MODES, default="auto",
        help="the index build as a progress bar (default when stderr is a terminal) or a line at every tenth",
    )
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env(host=args.host or None, port=args.port)
    except SettingsError as exc:
        _say(exc.message("en"))
        return EXIT_UNAVAILABLE
    logging.basicConfig(level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    return serve(settings, progress_bar=wants_bar(args.progress))


__all__ = ["build_app", "main", "serve"]
