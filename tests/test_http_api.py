"""POST /api/ask without a model: the contract, the errors and the schema (FastAPI TestClient)."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient

from conftest_app import FakeQA
from treatyqa.errors import IndexUnavailable
from treatyqa.web.http import create_api


@pytest.fixture()
def qa() -> FakeQA:
    return FakeQA(max_chars=1000)


@pytest.fixture()
def client(qa) -> TestClient:
    return TestClient(create_api(qa))


RU_Q = "Что должен содержать запрос об оказании содействия?"
KK_Q = "Көмек көрсету туралы сұрау салуда не көрсетілуі керек?"


def test_ask_returns_exactly_the_answer_dict(client, qa):
    resp = client.post("/api/ask", json={"question": RU_Q, "top_k": 3})
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/json")
    assert resp.json() == qa.ask(RU_Q, top_k=3).to_dict()
    assert qa.calls[0] == (RU_Q, 3, None)


def test_defaults_and_language_override(client, qa):
    body = client.post("/api/ask", json={"question": RU_Q}).json()
    assert len(body["hits"]) == 5
    body = client.post("/api/ask", json={"question": RU_Q, "lang": "kk", "top_k": 1}).json()
    assert body["language"] == "kk" and body["hits"][0]["citation"] == body["hits"][0]["citations"]["kk"]
    assert qa.calls[-1] == (RU_Q, 1, "kk")


@pytest.mark.parametrize(
    ("payload", "lang_word"),
    [
        ({"question": ""}, "The question is empty"),
        ({"question": "   \n\t "}, "The question is empty"),
        ({"question": "<script></script><b></b>"}, "The question is empty"),
        ({"question": (KK_Q + " ") * 20}, "Сұрақ тым ұзын"),
        ({"question": (RU_Q + " ") * 400}, "Вопрос слишком длинный"),
        ({"question": "?!... 123"}, "The question has no words"),
        ({"question": "", "lang": "kk"}, "Сұрақ бос"),
        ({"question": "", "lang": "ru"}, "Вопрос пуст"),
    ],
)
def test_bad_questions_are_400_with_a_message_in_the_questions_language(client, payload, lang_word):
    resp = client.post("/api/ask", json=payload)
    assert resp.status_code == 400
    assert set(resp.json()) == {"error"}
    assert resp.json()["error"].startswith(lang_word)


def test_control_characters_and_markup_are_cleaned_not_fatal(client):
    resp = client.post("/api/ask", json={"question": "<b>Что\x00 должен\x07 содержать запрос?</b>"})
    assert resp.status_code == 200
    assert resp.json()["question"] == "Что должен содержать запрос?"


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"question": RU_Q, "top_k": 0}, "top_k должен быть целым числом от 1 до 50."),
        ({"question": KK_Q, "top_k": 51}, "top_k 1-ден 50-ге дейінгі бүтін сан болуы керек."),
        ({"question": "What?", "top_k": "many"}, "top_k must be a whole number from 1 to 50."),
        ({"question": RU_Q, "lang": "en"}, 'lang должен быть "kk", "ru" или null.'),
        ({"top_k": 3}, 'The request needs a question as text: {"question": "..."}.'),
        ({"question": 5}, 'The request needs a question as text: {"question": "..."}.'),
        ({"question": RU_Q, "colour": "red"}, "colour: not a field of this request"),
        (["a list"], "The request body must be a JSON object"),
    ],
)
def test_malformed_requests_are_422_with_error(client, payload, expected):
    resp = client.post("/api/ask", json=payload)
    assert resp.status_code == 422
    assert set(resp.json()) == {"error"}
    assert resp.json()["error"].startswith(expected)


def test_invalid_json_is_422(client):
    resp = client.post("/api/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert resp.status_code == 422
    assert resp.json()["error"].startswith("The request body must be a JSON object")


def test_unavailable_index_is_503(qa):
    qa.fail = IndexUnavailable("No index.", "Индекс жоқ.", "Индекса нет.")
    client = TestClient(create_api(qa))
    resp = client.post("/api/ask", json={"question": RU_Q})
    assert resp.status_code == 503 and resp.json() == {"error": "Индекса нет."}
    resp = client.post("/api/ask", json={"question": KK_Q})
    assert resp.json() == {"error": "Индекс жоқ."}
    none = TestClient(create_api(None))
    assert none.post("/api/ask", json={"question": RU_Q}).status_code == 503
    assert none.get("/api/health").status_code == 503


def test_health(client):
    body = client.get("/api/health").json()
    assert body["status"] == "ok" and len(body["corpus"]) == 12


def test_openapi_documents_the_endpoint(client):
    spec = client.get("/api/openapi.json").json()
    op = spec["paths"]["/api/ask"]["post"]
    assert op["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/AskRequest")
    assert op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/AskResponse")
    for code in ("400", "422", "503"):
        assert op["responses"][code]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")
    schemas = spec["components"]["schemas"]
    assert set(schemas["AskRequest"]["properties"]) == {"question", "top_k", "lang"}
    assert schemas["AskRequest"]["required"] == ["question"]
    hit = schemas["HitModel"]["properties"]
    for name in ("article", "paragraph", "item", "citation", "citations", "text", "highlight", "highlights", "status", "score"):
        assert name in hit
    # no docs page: Swagger UI would fetch scripts from the internet
    assert client.get("/docs").status_code == 404


def test_login_protects_the_api_when_configured(qa):
    client = TestClient(create_api(qa, auth="staff:s3cret"))
    assert client.post("/api/ask", json={"question": RU_Q}).status_code == 401
    bad = base64.b64encode(b"staff:wrong").decode()
    assert client.post("/api/ask", json={"question": RU_Q}, headers={"Authorization": f"Basic {bad}"}).status_code == 401
    good = base64.b64encode(b"staff:s3cret").decode()
    resp = client.post("/api/ask", json={"question": RU_Q}, headers={"Authorization": f"Basic {good}"})
    assert resp.status_code == 200
