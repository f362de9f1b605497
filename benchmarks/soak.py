"""Soak: mixed HTTP, Gradio API and chat traffic against ``python app.py`` for a while.

    python benchmarks/soak.py --minutes 10 [--clients 4] [--out benchmarks/soak.json]

Starts ``python app.py`` on 127.0.0.1 (a free port; ``TREATYQA_DATA_DIR`` as set, or a
fresh folder, which then builds the index first), waits until it answers, then runs
``--clients`` threads that loop over three kinds of request: ``POST /api/ask``, the Gradio
API ``/ask`` and a chat turn (the browser's queue protocol: join, then read the event stream;
each chat turn is a new session, as a new browser tab is). It writes the number of requests
and errors, p50/p95/max latency per kind, and the app's RSS at start, after the first
minute, every 30 s (``rss_timeline_kb``: a plateau or a climb) and at the end, with the
machine's load average.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = [
    "Что должен содержать запрос об оказании содействия?",
    "Көмек көрсету туралы сұрау салуда не көрсетілуі керек?",
    "Кто несет расходы по исполнению запроса?",
    "Тараптар қандай тілді пайдаланады?",
    "Можно ли передать полученные сведения третьей стороне?",
    "Келісім қашан күшіне енеді?",
]
RSS_EVERY = 30  # seconds between RSS samples of the timeline


# ---------------------------------------------------------------- clients


def _post(url: str, payload: Any, timeout: float = 60, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    data = json.dumps(payload).encode("utf-8")
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        body = exc.read()
        try:
            return exc.code, json.loads(body)
        except ValueError:
            return exc.code, body.decode("utf-8", "replace")


def http_ask(base: str, question: str) -> tuple[int, Any]:
    return _post(base + "api/ask", {"question": question, "top_k": 5})


def gradio_call(base: str, data: list[Any], *, fn_index: int | None = None, api_name: str | None = None,
                session: str | None = None, timeout: float = 60) -> tuple[bool, Any]:
    """One event through Gradio's queue, as the browser and gradio_client send it.

    Returns ``(success, output data or the error message)``.
    """
    session = session or uuid.uuid4().hex[:11]
    if fn_index is None:
        fn_index = fn_index_of(base, api_name or "")
    body: dict[str, Any] = {"data": data, "event_data": None, "session_hash": session, "trigger_id": None, "fn_index": fn_index}
    status, joined = _post(base + "gradio_api/queue/join", body, timeout)
    if status != 200:
        return False, joined
    url = base + f"gradio_api/queue/data?session_hash={session}"
    with urllib.request.urlopen(url, timeout=timeout) as stream:
        for raw in stream:
            line = raw.decode("utf-8", "replace").strip()
            if not line.startswith("data:"):
                continue
            message = json.loads(line[5:])
            if message.get("msg") == "process_completed":
                output = message.get("output") or {}
                if message.get("success"):
                    return True, output.get("data")
                return False, output.get("error")
            if message.get("msg") == "unexpected_error":
                return False, message.get("message")
    return False, "stream ended"


_FN_INDEX: dict[tuple[str, str], int] = {}


def fn_index_of(base: str, name: str) -> int:
    """The queue index of the event whose ``api_name`` is ``name`` (from ``/config``)."""
    if (base, name) not in _FN_INDEX:
        with urllib.request.urlopen(base + "config", timeout=30) as resp:
            config = json.loads(resp.read())
        for dep in config["dependencies"]:
            _FN_INDEX.setdefault((base, dep.get("api_name")), dep["id"])
    try:
        return _FN_INDEX[(base, name)]
    except KeyError:
        raise LookupError(f"no event {name!r} in the app's config") from None


def chat_turn(base: str, question: str, on_ask: int) -> tuple[bool, Any]:
    # question, interface language, history (state), cited clause (state), article shown
    return gradio_call(base, [question, "ru", None, None, 5], fn_index=on_ask)


# ---------------------------------------------------------------- the app process


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def start_app(data_dir: Path, port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "TREATYQA_DATA_DIR": str(data_dir), "TREATYQA_PORT": str(port), "TREATYQA_HOST": "127.0.0.1"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH")) if p)
    handle = open(log, "w", encoding="utf-8")
    return subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)


def wait_ready(base: str, proc: subprocess.Popen, timeout: float = 1800) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"app.py exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(base + "api/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    raise SystemExit("app.py did not start in time")


# ---------------------------------------------------------------- the soak


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def soak(base: str, pid: int, seconds: float, clients: int) -> dict[str, Any]:
    on_ask = fn_index_of(base, "on_ask")
    kinds = {
        "http": lambda q: http_ask(base, q)[0] == 200,
        "gradio_api": lambda q: gradio_call(base, [q, 5, None], api_name="ask")[0],
        "chat": lambda q: chat_turn(base, q, on_ask)[0],
    }
    latencies: dict[str, list[float]] = {k: [] for k in kinds}
    errors: dict[str, int] = {k: 0 for k in kinds}
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    rss = {"start_kb": rss_kb(pid)}
    started = time.monotonic()

    def worker(offset: int) -> None:
        order = itertools.cycle(list(kinds))
        questions = itertools.cycle(QUESTIONS[offset:] + QUESTIONS[:offset])
        for _ in range(offset):
            next(order)
        while time.monotonic() < stop:
            kind, question = next(order), next(questions)
            t0 = time.perf_counter()
            try:
                ok = kinds[kind](question)
            except Exception:  # noqa: BLE001 - a failed request is counted, not fatal
                ok = False
            elapsed = (time.perf_counter() - t0) * 1000
            with lock:
                latencies[kind].append(elapsed)
                errors[kind] += 0 if ok else 1

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    minute_taken = False
    timeline: list[tuple[int, int]] = []  # (seconds, RSS kB) every RSS_EVERY s: a plateau or a climb
    while any(t.is_alive() for t in threads):
        time.sleep(1)
        now = time.monotonic() - started
        if not minute_taken and now >= 60:
            rss["after_1_min_kb"] = rss_kb(pid)
            minute_taken = True
        if now >= RSS_EVERY * (len(timeline) + 1):
            timeline.append((round(now), rss_kb(pid)))
    rss["end_kb"] = rss_kb(pid)
    rss.setdefault("after_1_min_kb", rss["end_kb"])
    summary = {
        kind: {
            "requests": len(values),
            "errors": errors[kind],
            "p50_ms": round(percentile(values, 0.5), 1),
            "p95_ms": round(percentile(values, 0.95), 1),
            "max_ms": round(max(values, default=0.0), 1),
            "mean_ms": round(statistics.fmean(values), 1) if values else 0.0,
        }
        for kind, values in latencies.items()
    }
    all_values = [v for values in latencies.values() for v in values]
    return {
        "seconds": round(time.monotonic() - started, 1),
        "clients": clients,
        "requests": len(all_values),
        "errors": sum(errors.values()),
        "p50_ms": round(percentile(all_values, 0.5), 1),
        "p95_ms": round(percentile(all_values, 0.95), 1),
        "max_ms": round(max(all_values, default=0.0), 1),
        "by_kind": summary,
        "rss": rss,
        "rss_timeline_kb": timeline,
        "rss_end_vs_1_min_percent": round(100 * (rss["end_kb"] - rss["after_1_min_kb"]) / max(1, rss["after_1_min_kb"]), 2),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "soak.json")
    args = parser.parse_args(argv)

    data_dir = Path(os.environ.get("TREATYQA_DATA_DIR") or tempfile.mkdtemp(prefix="treatyqa-soak-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    log = Path(tempfile.gettempdir()) / f"treatyqa-soak-{port}.log"
    proc = start_app(data_dir, port, log)
    try:
        wait_ready(base, proc)
        load_before = [round(x, 2) for x in os.getloadavg()]
        result = soak(base, proc.pid, args.minutes * 60, args.clients)
        result["load_average_before"] = load_before
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
