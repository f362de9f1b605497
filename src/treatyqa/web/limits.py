"""Load shedding for the one process that serves chat and API: a body size limit, login
throttling per client, and a bounded wait for the answering slot.

Each is a small ASGI piece in front of FastAPI and Gradio alike, so that no front end can
make the process grow or compute for a client that has gone:

- :class:`BodyLimit` refuses a body over the limit (413) before it is read into memory,
  by ``Content-Length`` and by counting the bytes of a chunked body.
- :class:`LoginThrottle` counts failed logins (Gradio's ``/login`` and 401 answers of the
  API) per client address; after a few, that client is answered 429 with ``Retry-After``
  for a delay that doubles with each further failure, up to a ceiling.
- :class:`Admission` lets a bounded number of HTTP questions wait for the answering slot;
  more get 503 with ``Retry-After``, and a question whose client disconnected while it
  waited is dropped without being computed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY_BYTES = 1 << 20  # 1 MiB: a question is at most a few kB; the chat sends no files


async def send_json(send: Send, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` with 413 ``{"error": ...}``."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES):
        if max_bytes < 1:
            raise ValueError("max_bytes must be positive")
        self.app = app
        self.max_bytes = max_bytes

    def _message(self) -> dict[str, str]:
        return {"error": f"The request body is too large (at most {self.max_bytes} bytes)."}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.max_bytes
            except ValueError:
                too_big = False
            if too_big:
                await send_json(send, 413, self._message(), {"connection": "close"})
                return
        seen = 0
        started = False
        refused = False

        async def counting_receive() -> dict[str, Any]:
            nonlocal seen, refused, started
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    # answer now, and tell the app the client has gone: it stops reading, and
                    # whatever it answers is dropped (frameworks turn a raised error into 400)
                    refused = True
                    if not started:
                        started = True
                        await send_json(send, 413, self._message(), {"connection": "close"})
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: dict[str, Any]) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not refused:
                raise


@dataclass
class _Failures:
    count: int = 0
    locked_until: float = 0.0


class LoginThrottle:
    """After ``free`` failed logins from one address, that address waits ``base_s`` seconds,
    doubling with each further failure up to ``max_s``; a success clears its record."""

    def __init__(self, app: ASGIApp, free: int = 5, base_s: float = 2.0, max_s: float = 300.0, clients: int = 10_000):
        self.app = app
        self.free, self.base_s, self.max_s, self.clients = free, base_s, max_s, clients
        self._failures: OrderedDict[str, _Failures] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _is_login_attempt(scope: Scope) -> bool:
        path = scope.get("path", "")
        if scope.get("method") == "POST" and path.rstrip("/").endswith("/login"):
            return True
        return path.startswith("/api/") and b"authorization" in dict(scope.get("headers") or [])

    def retry_after(self, client: str, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        with self._lock:
            record = self._failures.get(client)
            return max(0.0, record.locked_until - now) if record else 0.0

    def failed(self, client: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            record = self._failures.pop(client, None) or _Failures()
            record.count += 1
            if record.count >= self.free:
                delay = min(self.max_s, self.base_s * 2 ** (record.count - self.free))
                record.locked_until = now + delay
            self._failures[client] = record
            while len(self._failures) > self.clients:  # bounded memory: forget the oldest
                self._failures.popitem(last=False)

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._is_login_attempt(scope):
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("?", 0))[0]
        wait = self.retry_after(client)
        if wait > 0:
            seconds = str(max(1, round(wait)))
            await send_json(
                send, 429, {"error": f"Too many failed logins from this address; try again in {seconds} s."},
                {"retry-after": seconds},
            )
            return
        status = 0

        async def watching_send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, watching_send)
        if status == 401 or (status in (400, 403) and scope.get("path", "").rstrip("/").endswith("/login")):
            self.failed(client)
        elif 200 <= status < 400:
            self.succeeded(client)


class Busy(Exception):
    """Too many questions are already waiting."""

    def __init__(self, retry_after: int):
        super().__init__("busy")
        self.retry_after = retry_after


class ClientGone(Exception):
    """The client disconnected before its question was computed."""


class Admission:
    """At most ``slots`` questions computing and ``max_waiting`` waiting; the rest are Busy.

    Waiting questions take the slots in the order they came: a finishing question hands its
    slot straight to the longest waiter. (Each waiter polling for a free slot left slots idle
    between polls and let late questions overtake early ones: under 20 concurrent clients
    the p95 was several times the p50.) A waiter checks every ``poll_s`` whether its client
    is still there.

    >>> import asyncio
    >>> admission = Admission(slots=1, max_waiting=0)
    >>> async def never_gone(): return False
    >>> asyncio.run(admission.run(lambda: 42, never_gone))
    42
    """

    def __init__(self, slots: int = 1, max_waiting: int = 64, retry_after: int = 2, poll_s: float = 0.05):
        if slots < 1 or max_waiting < 0:
            raise ValueError("slots must be >= 1 and max_waiting >= 0")
        self.slots, self.max_waiting, self.retry_after, self.poll_s = slots, max_waiting, retry_after, poll_s
        # plain state: it changes only on the event loop's thread, between awaits
        self._admitted = 0  # computing + waiting
        self._running = 0
        self._waiting: deque[asyncio.Future[None]] = deque()
        self.skipped = 0  # questions dropped because their client had gone

    @property
    def admitted(self) -> int:
        """Questions computing or waiting now."""
        return self._admitted

    async def run(self, fn: Callable[[], Any], is_disconnected: Callable[[], Awaitable[bool]]) -> Any:
        if self._admitted >= self.slots + self.max_waiting:
            raise Busy(self.retry_after)
        self._admitted += 1
        try:
            await self._take_slot(is_disconnected)
            try:
                return await asyncio.to_thread(fn)
            finally:
                self._release_slot()
        finally:
            self._admitted -= 1

    async def _take_slot(self, is_disconnected: Callable[[], Awaitable[bool]]) -> None:
        if self._running < self.slots and not self._waiting:
            self._running += 1
        else:
            turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiting.append(turn)
            try:
                while not turn.done():
                    await asyncio.wait({turn}, timeout=self.poll_s)
                    if not turn.done() and await is_disconnected():
                        self._gone()
            except BaseException:
                if turn.done():
                    self._release_slot()  # handed a slot while leaving: pass it on
                else:
                    self._waiting.remove(turn)
                raise
        if await is_disconnected():
            self._release_slot()
            self._gone()

    def _release_slot(self) -> None:
        if self._waiting:
            self._waiting.popleft().set_result(None)  # the slot passes on, still counted
        else:
            self._running -= 1

    def _gone(self) -> None:
        self.skipped += 1
        raise ClientGone()


__all__ = ["MAX_BODY_BYTES", "Admission", "BodyLimit", "Busy", "ClientGone", "LoginThrottle", "send_json"]
