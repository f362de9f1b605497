"""The MCP server: the SDK's own client over stdio (the real index and model) and in process (no model)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from treatyqa.corpus import load_agreement
from treatyqa.domain import Citation
from treatyqa.mcp_server import Service, article_list, build_server, clause_record

ROOT = Path(__file__).resolve().parents[1]
RU_Q = "Что должен содержать запрос о содействии?"


def run(coroutine):
    """Run the client in a thread of its own: other tests (Playwright) may leave an event loop
    running in the main thread, where asyncio.run refuses to start."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def call(server, name, arguments=None):
    async def go():
        async with Client(server) as client:
            return await client.call_tool(name, arguments or {})

    return run(go())


@pytest.fixture(scope="module")
def server():
    return build_server(Service())


def test_clause_and_article_records_come_from_the_parsed_agreement():
    agreement = load_agreement()
    record = clause_record(agreement, 5, 3)
    assert record["citations"] == {"kk": "5-бап, 3-тармақ", "ru": "Статья 5, пункт 3"}
    assert record["text"]["kk"] == agreement["kk"].clause(Citation(5, 3)).text
    assert record["status"] == {"kk": "authentic", "ru": "working_translation"}
    assert clause_record(agreement, 9)["text"]["ru"] == agreement["ru"].article(9).text
    assert clause_record(agreement, 0)["citations"]["ru"] == "Преамбула"
    articles = article_list(agreement)
    assert [a["article"] for a in articles] == list(range(16))
    assert articles[5]["paragraphs"] == [1, 2, 3, 4] and articles[9]["paragraphs"] == []
    assert articles[10]["titles"]["kk"] == agreement["kk"].title_of(10)


def test_tools_are_listed_with_their_parameters(server):
    async def go():
        async with Client(server) as client:
            return {t.name: t for t in (await client.list_tools()).tools}

    tools = run(go())
    assert set(tools) == {"ask", "get_clause", "list_articles"}
    assert set(tools["ask"].input_schema["properties"]) == {"question", "top_k", "lang"}
    assert tools["ask"].input_schema["required"] == ["question"]
    assert set(tools["get_clause"].input_schema["properties"]) == {"article", "paragraph"}


def test_get_clause_and_list_articles_through_the_client(server):
    result = call(server, "get_clause", {"article": 5, "paragraph": 3})
    assert not result.is_error
    assert result.structured_content["citations"]["ru"] == "Статья 5, пункт 3"
    assert json.loads(result.content[0].text) == result.structured_content
    listing = call(server, "list_articles")
    assert not listing.is_error and len(listing.structured_content["result"]) == 16


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        ({"article": 16}, "Статьи 16 нет"),
        ({"article": 5, "paragraph": 9}, "В статье 5 нет пункта 9: в ней пункты с 1 по 4"),
        ({"article": 9, "paragraph": 1}, "9-бапта нөмірленген тармақтар жоқ"),
        ({"article": 0, "paragraph": 1}, "no numbered paragraphs"),
    ],
)
def test_a_clause_that_does_not_exist_is_a_clear_tool_error(server, arguments, fragment):
    result = call(server, "get_clause", arguments)
    assert result.is_error and fragment in result.content[0].text


@pytest.mark.slow
def test_stdio_server_answers_like_the_cli(data_copy):
    """The SDK's stdio client starts `python -m treatyqa mcp`; ask gives 5.3 first and the CLI's JSON."""
    env = {**os.environ, "TREATYQA_DATA_DIR": str(data_copy), "PYTHONPATH": os.pathsep.join(sys.path)}
    params = StdioServerParameters(command=sys.executable, args=["-m", "treatyqa", "mcp"], env=env, cwd=str(ROOT))

    async def session():
        async with Client(params, read_timeout_seconds=900) as client:
            answer = await client.call_tool("ask", {"question": RU_Q, "top_k": 3})
            clause = await client.call_tool("get_clause", {"article": 5, "paragraph": 3})
            empty = await client.call_tool("ask", {"question": "   ", "lang": "kk"})
            return answer, clause, empty

    answer, clause, empty = run(session())
    assert not answer.is_error, answer.content
    result = answer.structured_content
    first = result["hits"][0]
    assert (first["article"], first["paragraph"]) == (5, 3) and first["citation"] == "Статья 5, пункт 3"
    assert result["language"] == "ru" and result["abstained"] is False and len(result["hits"]) == 3
    assert first["text"]["kk"] == clause.structured_content["text"]["kk"]
    assert empty.is_error and "Сұрақ бос" in empty.content[0].text

    # the server has exited and released the index: the CLI now gives exactly the same object
    cli = subprocess.run(
        [sys.executable, "-m", "treatyqa", "ask", RU_Q, "--json", "--top-k", "3"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=900,
    )
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout) == result


def test_http_transport_listens_on_loopback_only(tmp_path):
    """`--http` serves streamable HTTP on 127.0.0.1; list_articles needs no index, so no model loads."""
    import socket
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "TREATYQA_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "treatyqa", "mcp", "--http", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 300
        while True:
            assert proc.poll() is None, proc.stderr.read()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the MCP HTTP server did not start"
                time.sleep(0.5)

        async def go():
            async with Client(f"http://127.0.0.1:{port}/mcp") as client:
                return await client.call_tool("list_articles", {})

        listing = run(go())
        assert [a["article"] for a in listing.structured_content["result"]] == list(range(16))
        if shutil.which("ss"):  # iproute2: what the socket is bound to
            listening = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True).stdout.split()
            assert listening[3] == f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
