"""The load-shedding pieces on their own (no model): admission, body limit, login throttle,
and the API's error shape for requests that never reach a question."""

from __future__ import annotations

import asyncio
import concurrent.futures
import time

import pytest
from fastapi.testclient import TestClient

from treatyqa.web.http import create_api, parse_ask
from treatyqa.errors import InvalidQuestion
from treatyqa.web.limits import Admission, BodyLimit, Busy, ClientGone, LoginThrottle


def test_admission_bounds_waiting_and_drops_the_gone():
    async def scenario():
        admission = Admission(slots=1, max_waiting=2, poll_s=0.01)
        gone = asyncio.Event()

        async def alive():
            return False

        async def leaves():
            return gone.is_set()

        first = asyncio.create_task(admission.run(lambda: time.sleep(0.2) or "first", alive))
        await asyncio.sleep(0.02)
        leaving = asyncio.create_task(admission.run(lambda: "never", leaves))
        third = asyncio.create_task(admission.run(lambda: "third", alive))
        await asyncio.sleep(0.02)
        assert admission.admitted == 3
        with pytest.raises(Busy):
            await admission.run(lambda: "over", alive)
        gone.set()
        with pytest.raises(ClientGone):
            await leaving
        assert await first == "first" and await third == "third"
        assert admission.skipped == 1 and admission.admitted == 0

    # a thread of its own: the browser tests leave an event loop running in the main thread
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario()).result()


def test_admission_serves_waiters_in_order_of_arrival():
    """A freed slot goes to the question that waited, not to one that arrives after it (the
    long poll makes a waiter that is not handed the slot sleep past the late arrival)."""

    async def scenario():
        admission = Admission(slots=1, max_waiting=4, poll_s=5.0)
        order: list[str] = []

        async def alive():
            return False

        def job(name: str, seconds: float = 0.0):
            return lambda: time.sleep(seconds) or order.append(name)

        first = asyncio.create_task(admission.run(job("first", 0.1), alive))
        await asyncio.sleep(0.02)
        waiter = asyncio.create_task(admission.run(job("waiter"), alive))
        await first
        await admission.run(job("late"), alive)
        await waiter
        return order

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        assert pool.submit(asyncio.run, scenario()).result() == ["first", "waiter", "late"]


def _client(**kwargs) -> TestClient:
    app = create_api(None, auth=kwargs.pop("auth", None))
    app.add_middleware(LoginThrottle, free=3, base_s=60)
    app.add_middleware(BodyLimit, max_bytes=kwargs.pop("max_bytes", 4096))
    return TestClient(app)


def test_body_limit_by_length_and_by_count():
    client = _client()
    assert client.post("/api/ask", content=b"x" * 5000, headers={"content-type": "application/json"}).status_code == 413
    chunks = iter([b"x" * 3000, b"x" * 3000])
    response = client.post("/api/ask", content=chunks, headers={"content-type": "application/json"})
    assert response.status_code == 413 and set(response.json()) == {"error"}


def test_login_throttle_after_free_failures():
    client = _client(auth="u:p")
    bad = {"Authorization": "Basic dTp4"}  # u:x
    assert [client.post("/api/ask", json={"question": "?"}, headers=bad).status_code for _ in range(5)] == [401, 401, 401, 429, 429]
    response = client.post("/api/ask", json={"question": "?"}, headers=bad)
    assert int(response.headers["retry-after"]) >= 59


def test_throttle_forgets_the_oldest_clients():
    throttle = LoginThrottle(app=None, free=1, clients=3)  # type: ignore[arg-type]
    for n in range(10):
        throttle.failed(f"10.0.0.{n}")
    assert throttle.retry_after("10.0.0.0") == 0 and throttle.retry_after("10.0.0.9") > 0


@pytest.mark.parametrize(
    "body", [b"\xff\xfe", b'{"question": "\xd0"}', b"[" * 50_000 + b"]" * 50_000, b"{", b"null", b"[]"]
)
def test_unparsable_bodies_are_422_with_the_error_shape(body):
    client = _client(max_bytes=1 << 20)
    response = client.post("/api/ask", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422 and set(response.json()) == {"error"}


def test_unknown_api_paths_use_the_error_shape():
    client = _client()
    response = client.get("/api/does-not-exist")
    assert response.status_code == 404 and set(response.json()) == {"error"}


@pytest.mark.parametrize("top_k", ["abc", None, 5.9, 0, 51, "5.5"])
def test_parse_ask_refuses_what_the_schema_refuses(top_k):
    with pytest.raises(InvalidQuestion) as failure:
        parse_ask("Кто несет расходы?", top_k, None)
    assert failure.value.message("ru") == "top_k должен быть целым числом от 1 до 50."


def test_parse_ask_accepts_a_whole_number():
    assert parse_ask("Кто несет расходы?", 3, "ru").top_k == 3
