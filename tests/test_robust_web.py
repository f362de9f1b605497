"""Hostile input and load on the real app: the real TreatyQA behind the real FastAPI + Gradio
app (``build_app``), served by uvicorn on 127.0.0.1 in this process, so that a test can hold
the real answering lock and read the real admission counters."""

from __future__ import annotations

import base64
import http.client
import json
import socket
import sys
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from benchmarks.soak import chat_turn, fn_index_of, gradio_call
from treatyqa.web.feedback import FeedbackStore
from treatyqa.web.server import QUEUE_SIZE, SESSIONS, build_app, stop_streams

pytestmark = pytest.mark.slow

SURROGATE_QUESTION = "\ud800 Кто несет расходы?"
BROKEN_TEXT_RU = "В вопросе есть символы, которые не являются текстом"
TOP_K_RU = "top_k должен быть целым числом от 1 до 50."
LEAKS = ("Traceback", "Error:", "ValueError", "TypeError", "int()", "Api", "Number", "Textbox", "gradio", "pydantic")


@dataclass
class Live:
    base: str
    app: FastAPI
    port: int


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def live(qa, qa_settings, tmp_path_factory):
    feedback = FeedbackStore(tmp_path_factory.mktemp("fb") / "feedback.jsonl")
    app = build_app(qa, qa_settings, feedback)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield Live(f"http://127.0.0.1:{port}/", app, port)
    stop_streams(app)
    server.should_exit = True
    thread.join(15)


def _raw_post(port: int, path: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": "application/json", **(headers or {})})
        resp = conn.getresponse()
        data = resp.read()
        try:
            payload = json.loads(data)
        except ValueError:
            payload = data.decode("utf-8", "replace")
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, payload
    finally:
        conn.close()


def _ask_json(port: int, payload: Any) -> tuple[int, dict[str, str], Any]:
    return _raw_post(port, "/api/ask", json.dumps(payload).encode("ascii"))  # ascii: \ud800 travels as JSON escape


def _no_leak(text: str) -> None:
    for leak in LEAKS:
        assert leak not in text, (leak, text)


# ---------------------------------------------------------------- bad text everywhere


def test_lone_surrogate_is_bad_text_in_http_gradio_and_chat(live):
    status, _, body = _ask_json(live.port, {"question": SURROGATE_QUESTION})
    assert status == 400 and BROKEN_TEXT_RU in body["error"]

    ok, message = gradio_call(live.base, [SURROGATE_QUESTION, 5, None], api_name="ask")
    assert not ok and BROKEN_TEXT_RU in message
    _no_leak(message)

    ok, output = chat_turn(live.base, SURROGATE_QUESTION, fn_index_of(live.base, "on_ask"))
    assert ok  # the event stream completes; the page shows the message (a notice, not a bubble)
    assert BROKEN_TEXT_RU in json.dumps(output, ensure_ascii=False)

    status, _, body = _ask_json(live.port, {"question": "Кто несет расходы?"})
    assert status == 200 and body["hits"]


@pytest.mark.parametrize("top_k", ["abc", None, 5.9, 0, 51, [], {"n": 5}])
def test_gradio_api_refuses_what_http_refuses_with_the_same_message(live, top_k):
    status, _, body = _ask_json(live.port, {"question": "Кто несет расходы?", "top_k": top_k})
    assert status == 422 and body == {"error": TOP_K_RU}
    ok, message = gradio_call(live.base, ["Кто несет расходы?", top_k, None], api_name="ask")
    assert not ok and message == TOP_K_RU


@pytest.mark.parametrize("question", [None, 42, ["Кто?"], ""])
def test_gradio_api_question_of_the_wrong_type(live, question):
    ok, message = gradio_call(live.base, [question, 5, None], api_name="ask")
    assert not ok and isinstance(message, str) and message
    _no_leak(message)


def test_gradio_api_answers_a_whole_number_like_http(live):
    ok, output = gradio_call(live.base, ["Кто несет расходы?", 3, None], api_name="ask")
    status, _, body = _ask_json(live.port, {"question": "Кто несет расходы?", "top_k": 3})
    assert ok and status == 200 and len(output[0]["hits"]) == len(body["hits"]) == 3


@pytest.mark.parametrize(
    "body",
    [b'{"question": "\xd0 \xff"}', b"\xff\xfe{}", b"[" * 100_000 + b"]" * 100_000, b'{"question": ', b"null"],
    ids=["invalid-utf8", "bom-garbage", "100k-deep", "cut-json", "null"],
)
def test_malformed_bodies_get_the_error_shape(live, body):
    status, _, payload = _raw_post(live.port, "/api/ask", body)
    assert status == 422 and set(payload) == {"error"}
    _no_leak(payload["error"])


def test_unknown_api_path_and_method_get_the_error_shape(live):
    status, _, payload = _raw_post(live.port, "/api/nothing", b"{}")
    assert status == 404 and set(payload) == {"error"}
    status, headers, payload = _raw_post(live.port, "/api/health", b"{}")
    assert status == 405 and headers["allow"] == "GET" and set(payload) == {"error"}
    with urllib.request.urlopen(live.base + "api/health") as resp:
        assert json.loads(resp.read())["status"] == "ok"


# ---------------------------------------------------------------- load shedding


def test_body_over_the_limit_is_refused_before_it_is_read(live):
    conn = http.client.HTTPConnection("127.0.0.1", live.port, timeout=30)
    conn.putrequest("POST", "/api/ask")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(300 * 1024 * 1024))
    conn.endheaders()
    conn.send(b'{"question": "' + b"x" * 1000)
    resp = conn.getresponse()
    assert resp.status == 413 and "too large" in json.loads(resp.read())["error"]
    conn.close()

    # chunked, no length given: counted as it arrives; the answer may come before we finish
    with socket.create_connection(("127.0.0.1", live.port), timeout=30) as sock:
        sock.sendall(b"POST /gradio_api/queue/join HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"10000\r\n" + b"x" * 65536 + b"\r\n"
        try:
            for _ in range(64):  # 4 MiB
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused and closed while we were still sending
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def _abandon(port: int, payload: dict[str, Any]) -> None:
    body = json.dumps(payload).encode()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(
            b"POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode() + body
        )
    # closed at once: the client has gone


def _wait_for(predicate, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_questions_whose_client_has_gone_are_not_computed(live, qa):
    admission = live.app.state.admission
    skipped_before = admission.skipped
    results: list[int] = []
    before = qa.questions_answered
    with qa._lock:  # the real answering lock: the questions in the computing slots block on it
        first = [threading.Thread(target=lambda: results.append(_ask_json(live.port, {"question": "Кто несет расходы?"})[0]))
                 for _ in range(admission.slots)]
        for thread in first:
            thread.start()
        _wait_for(lambda: admission.admitted == admission.slots)
        waiting = admission.max_waiting  # all of them fit in the waiting room
        for _ in range(waiting):
            _abandon(live.port, {"question": "Что должен содержать запрос?"})
        _wait_for(lambda: admission.skipped - skipped_before == waiting, timeout=90)
    for thread in first:
        thread.join(60)
    assert results == [200] * admission.slots
    assert qa.questions_answered - before == admission.slots  # none of the abandoned was computed
    started = time.monotonic()
    assert _ask_json(live.port, {"question": "Кто несет расходы?"})[0] == 200
    assert admission.admitted == 0 and time.monotonic() - started < 30  # not behind the dead questions


def _abandon_gradio(port: int, fn_index: int, data: list[Any]) -> None:
    """Join Gradio's queue as the browser and gradio_client do, start reading the event
    stream, then close the connection: the client has gone while its event waits."""
    session = uuid.uuid4().hex[:11]
    body = {"data": data, "event_data": None, "session_hash": session, "trigger_id": None, "fn_index": fn_index}
    status, _, joined = _raw_post(port, "/gradio_api/queue/join", json.dumps(body).encode("ascii"))
    assert status == 200, joined
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(f"GET /gradio_api/queue/data?session_hash={session} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")  # the stream is open: the event is waiting


def _slots(blocks, fn_index: int) -> int:
    limit = blocks.fns[fn_index].concurrency_limit
    return blocks._queue.default_concurrency_limit if limit == "default" else limit


def _running(blocks, fn_index: int) -> int:
    event_queue = blocks._queue.event_queue_per_concurrency_id.get(blocks.fns[fn_index].concurrency_id)
    return 0 if event_queue is None else event_queue.current_concurrency


def test_gradio_events_whose_client_has_gone_are_not_computed(live, qa):
    """Gradio API and chat: events waiting in the queue when their client closes the stream
    are removed, never computed; the next normal request is answered, not queued behind them."""
    blocks = live.app.state.blocks
    api, chat = fn_index_of(live.base, "ask"), fn_index_of(live.base, "on_ask")
    slots = {fn: _slots(blocks, fn) for fn in (api, chat)}
    abandoned = 20
    results: list[bool] = []
    before = qa.questions_answered
    with qa._lock:  # the real answering lock: the events Gradio starts block on it
        busy = [threading.Thread(target=lambda: results.append(gradio_call(live.base, ["Кто несет расходы?", 5, None], fn_index=api)[0]))
                for _ in range(slots[api])]
        busy += [threading.Thread(target=lambda: results.append(chat_turn(live.base, "Кто несет расходы?", chat)[0]))
                 for _ in range(slots[chat])]
        for thread in busy:
            thread.start()
        _wait_for(lambda: all(_running(blocks, fn) == slots[fn] for fn in (api, chat)))
        for i in range(abandoned):
            if i % 2:
                _abandon_gradio(live.port, api, ["Что должен содержать запрос?", 5, None])
            else:
                _abandon_gradio(live.port, chat, ["Что должен содержать запрос?", "ru", None, None, 5])
        _wait_for(lambda: len(blocks._queue) == 0, timeout=90)  # Gradio noticed and dropped them
    for thread in busy:
        thread.join(120)
    assert results == [True] * len(busy)
    ok, output = gradio_call(live.base, ["Кто несет расходы?", 5, None], fn_index=api)
    assert ok and output[0]["hits"]
    _wait_for(lambda: all(_running(blocks, fn) == 0 for fn in (api, chat)))
    assert qa.questions_answered - before == len(busy) + 1  # the abandoned twenty never ran


def test_too_many_waiting_questions_get_503_with_retry_after(live, qa):
    admission = live.app.state.admission
    capacity = admission.slots + admission.max_waiting
    results: list[tuple[int, dict[str, str], Any]] = []
    lock = threading.Lock()

    def ask() -> None:
        result = _ask_json(live.port, {"question": "Кто несет расходы?", "lang": "ru"})
        with lock:
            results.append(result)

    with qa._lock:
        waiting = [threading.Thread(target=ask) for _ in range(capacity)]
        for thread in waiting:
            thread.start()
        _wait_for(lambda: admission.admitted == capacity)
        extra = [threading.Thread(target=ask) for _ in range(5)]
        for thread in extra:
            thread.start()
        for thread in extra:
            thread.join(30)
        refused = [r for r in results if r[0] == 503]
        assert len(refused) == 5
        for _, headers, body in refused:
            assert headers["retry-after"] == str(admission.retry_after) and "Сервис занят" in body["error"]
    for thread in waiting:
        thread.join(120)
    assert sorted(r[0] for r in results) == [200] * capacity + [503] * 5


def test_gradio_queue_is_bounded_and_run_history_off(live):
    with urllib.request.urlopen(live.base + "config") as resp:
        config = json.loads(resp.read())
    assert config["run_history"] is False
    assert live.app.state.blocks._queue.max_size == QUEUE_SIZE
    assert live.app.state.blocks.state_holder.capacity == SESSIONS  # per-session state is bounded


def test_history_bucket_header_connects_nowhere(live):
    """Run history would send the run to a model hub bucket named by this header."""
    connects: list[Any] = []
    watching = threading.Event()

    def hook(event: str, args: tuple) -> None:
        if watching.is_set() and event == "socket.connect":
            address = args[1]
            if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "::1", "localhost"):
                connects.append(address)

    sys.addaudithook(hook)
    watching.set()
    try:
        session = "histcheck01"
        request = urllib.request.Request(
            live.base + "gradio_api/queue/join",
            data=json.dumps({"data": ["Кто несет расходы?", 5, None], "fn_index": fn_index_of(live.base, "ask"), "session_hash": session,
                             "event_data": None, "trigger_id": None}).encode(),
            headers={"Content-Type": "application/json", "x-gradio-history-bucket": "someone/bucket"},
        )
        with urllib.request.urlopen(request, timeout=30) as resp:
            assert resp.status == 200
        with urllib.request.urlopen(live.base + f"gradio_api/queue/data?session_hash={session}", timeout=60) as stream:
            for raw in stream:
                if b"process_completed" in raw:
                    break
        time.sleep(1.0)  # a background upload would start by now
    finally:
        watching.clear()
    assert connects == []


# ---------------------------------------------------------------- login


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_wrong_passwords_are_throttled_and_health_says_only_alive(qa, qa_settings, tmp_path):
    app = build_app(qa, qa_settings.model_copy(update=dict(auth="staff:right")), FeedbackStore(tmp_path / "feedback.jsonl"))
    with TestClient(app) as client:
        health = client.get("/api/health")
        assert health.status_code == 200 and health.json() == {"status": "ok"}
        detailed = client.get("/api/health", headers={"Authorization": _basic("staff", "right")}).json()
        assert detailed["corpus"] == qa.agreement.corpus_hash and detailed["collection"] == qa.collection

        statuses = []
        for attempt in range(300):
            response = client.post("/api/ask", json={"question": "Кто?"}, headers={"Authorization": _basic("staff", f"guess{attempt}")})
            statuses.append(response.status_code)
            if response.status_code == 429:
                assert int(response.headers["retry-after"]) >= 1 and set(response.json()) == {"error"}
        assert statuses[:5] == [401] * 5 and statuses[5] == 429
        # the wait doubles after each further failure: a handful more guesses get through, not 295
        assert statuses[5:].count(401) <= 8 and statuses.count(429) >= 287
        # while locked out, even the right password waits (that is what makes guessing slow)
        locked = client.post("/api/ask", json={"question": "Кто?"}, headers={"Authorization": _basic("staff", "right")})
        assert locked.status_code == 429

    app = build_app(qa, qa_settings.model_copy(update=dict(auth="staff:right")), FeedbackStore(tmp_path / "feedback2.jsonl"))
    with TestClient(app) as client:  # the chat's login form counts the same way
        form = [client.post("/login", data={"username": "staff", "password": f"g{i}"}).status_code for i in range(7)]
        assert form[:5] != [429] * 5 and form[5:] == [429, 429]
