"""The real app's APIs: gradio_client and POST /api/ask give what the CLI gives; 20 at once.

The CLI runs on a copy of the app's index folder (the embedded store admits one process).
"""

from __future__ import annotations

import concurrent.futures as cf

import pytest

from conftest_app import (  # noqa: F401  (app_server is a fixture)
    app_server,
    cli_ask,
    copy_index,
    hits_key,
    post_json,
    scores_close,
)

pytestmark = pytest.mark.slow

gradio_client = pytest.importorskip("gradio_client")

RU_QUESTION = "Какие сведения должен содержать запрос об оказании содействия?"
KK_QUESTION = "Көмек көрсету туралы сұрау салуда қандай мәліметтер көрсетілуі керек?"

# Twenty different questions, both languages; a few with an unmistakable article.
QUESTIONS = [
    (RU_QUESTION, 5),
    (KK_QUESTION, 5),
    ("Какой язык используют Стороны при сотрудничестве?", 10),
    ("Тараптар ынтымақтастықта қай тілді пайдаланады?", 10),
    ("Кто несёт расходы по исполнению запроса?", None),
    ("Сұрау салуды орындау шығыстарын кім көтереді?", None),
    ("Когда Соглашение вступает в силу?", 15),
    ("Келісім қашан күшіне енеді?", 15),
    ("В каких случаях можно отказать в оказании содействия?", 6),
    ("Көмек көрсетуден қандай жағдайларда бас тартуға болады?", 6),
    ("Как разрешаются разногласия между Сторонами?", None),
    ("Тараптар арасындағы келіспеушіліктер қалай шешіледі?", None),
    ("Можно ли передать полученную информацию третьей стороне?", None),
    ("Алынған ақпаратты үшінші тарапқа беруге бола ма?", None),
    ("Какие формы сотрудничества предусмотрены?", None),
    ("Ынтымақтастық қандай нысандарда жүзеге асырылады?", None),
    ("Проводятся ли рабочие встречи и консультации?", None),
    ("Жұмыс кездесулері қалай өткізіледі?", None),
    ("По каким направлениям сотрудничают министерства?", None),
    ("Министрліктер қандай бағыттар бойынша ынтымақтасады?", None),
]


@pytest.fixture(scope="module")
def client(app_server):  # noqa: F811
    return gradio_client.Client(app_server.url, verbose=False)


@pytest.fixture(scope="module")
def cli_results(app_server, tmp_path_factory):  # noqa: F811
    data = copy_index(app_server, tmp_path_factory.mktemp("cli") / "data")
    return {q: cli_ask(q, data) for q in (RU_QUESTION, KK_QUESTION)}


def test_gradio_api_lists_only_ask(client):
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert list(endpoints) == ["/ask"]


@pytest.mark.parametrize("question", [RU_QUESTION, KK_QUESTION])
def test_gradio_client_http_and_cli_give_the_same_hits(client, app_server, cli_results, question):  # noqa: F811
    expected = cli_results[question]
    via_gradio = client.predict(question, 5, None, api_name="/ask")
    status, via_http = post_json(app_server.url + "api/ask", {"question": question, "top_k": 5, "lang": None})
    assert status == 200
    for result in (via_gradio, via_http):
        assert set(result) == set(expected)
        assert {k: result[k] for k in ("question", "language", "abstained", "message")} == {
            k: expected[k] for k in ("question", "language", "abstained", "message")
        }
        assert hits_key(result) == hits_key(expected)
        assert scores_close(result, expected)
        assert [set(h) for h in result["hits"]] == [set(h) for h in expected["hits"]]
    top = expected["hits"][0]
    assert (top["article"], top["paragraph"]) == (5, 3)


def test_gradio_api_options_and_errors(client):
    kk = client.predict(RU_QUESTION, 2, "kk", api_name="/ask")
    assert kk["language"] == "kk" and len(kk["hits"]) == 2
    with pytest.raises(Exception, match="The question is empty"):
        client.predict("", 5, None, api_name="/ask")
    with pytest.raises(Exception, match="Сұрақ бос"):
        client.predict("  ", 5, "kk", api_name="/ask")
    with pytest.raises(Exception, match="Вопрос слишком длинный"):
        client.predict("Что должен содержать запрос? " * 200, 5, None, api_name="/ask")


def _sequential(app_server) -> dict[str, dict]:  # noqa: F811
    results = {}
    for question, _ in QUESTIONS:
        status, body = post_json(app_server.url + "api/ask", {"question": question})
        assert status == 200, body
        results[question] = body
    return results


def _check(results: dict[str, dict], baseline: dict[str, dict]) -> None:
    assert set(results) == {q for q, _ in QUESTIONS}  # none lost
    for question, article in QUESTIONS:
        got, want = results[question], baseline[question]
        assert got["question"] == question
        assert hits_key(got) == hits_key(want), question
        assert scores_close(got, want), question
        if article is not None:
            assert got["hits"][0]["article"] == article, (question, got["hits"][0]["citation"])


def test_twenty_questions_at_once_over_http(app_server):  # noqa: F811
    baseline = _sequential(app_server)

    def one(question: str) -> tuple[str, dict]:
        status, body = post_json(app_server.url + "api/ask", {"question": question}, timeout=120)
        assert status == 200, body
        return question, body

    with cf.ThreadPoolExecutor(max_workers=20) as pool:
        results = dict(pool.map(one, [q for q, _ in QUESTIONS]))
    _check(results, baseline)


def test_twenty_questions_at_once_through_gradio(app_server, client):  # noqa: F811
    baseline = _sequential(app_server)
    jobs = {q: client.submit(q, 5, None, api_name="/ask") for q, _ in QUESTIONS}
    results = {q: job.result(timeout=180) for q, job in jobs.items()}
    _check(results, baseline)
