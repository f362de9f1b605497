"""POST /api/ask over the real TreatyQA (the session's index and model): the contract, the
errors and the schema, through FastAPI's TestClient."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient

from treatyqa.web.http import create_api

pytestmark = pytest.mark.slow


@pytest.fixture()
def client(qa) -> TestClient:
    return TestClient(create_api(qa))


RU_Q = "Что должен содержать запрос об оказании содействия?"
KK_Q = "Көмек көрсету туралы сұрау салуда не көрсетілуі керек?"


def test_ask_returns_exactly_the_answer_dict(client, qa):
    resp = client.post("/api/ask", json={"question": RU_Q, "top_k": 3})
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert body == qa.ask(RU_Q, top_k=3).to_dict()
    assert body["question"] == RU_Q and body["language"] == "ru" and body["abstained"] is False
    assert len(body["hits"]) == 3
    top = body["hits"][0]
    assert (top["article"], top["paragraph"]) == (5, 3) and top["citation"] == "Статья 5, пункт 3"


def test_defaults_and_language_override(client):
    body = client.post("/api/ask", json={"question": RU_Q}).json()
    assert len(body["hits"]) == 5 and body["language"] == "ru"
    body = client.post("/api/ask", json={"question": RU_Q, "lang": "kk", "top_k": 1}).json()
    assert body["language"] == "kk" and len(body["hits"]) == 1
    top = body["hits"][0]
    assert top["citation"] == top["citations"]["kk"] == "5-бап, 3-тармақ"
    assert top["title"] == top["titles"]["kk"] and top["highlight"] == top["highlights"]["kk"]


@pytest.mark.parametrize(
    ("payload", "lang_word"),
    [
        ({"question": ""}, "The question is empty"),
        ({"question": "   \n\t "}, "The question is empty"),
        ({"question": "<script></script><b></b>"}, "The question is empty"),
        ({"question": "<script>alert(1)</script>"}, "The question is empty"),
        ({"question": "<script>alert('Кто несет расходы?')</script>", "lang": "ru"}, "Вопрос пуст"),
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


def test_closed_index_is_503_in_the_questions_language(qa_settings, data_copy):

    from treatyqa.api import TreatyQA

    private = TreatyQA(qa_settings.model_copy(update=dict(data_dir=data_copy)))
    client = TestClient(create_api(private))
    assert client.post("/api/ask", json={"question": RU_Q}).status_code == 200
    assert client.get("/api/health").status_code == 200
    private.close()  # the store is released: asking must not silently reopen it
    assert client.get("/api/health").json() == {"status": "unavailable"}
    resp = client.post("/api/ask", json={"question": RU_Q})
    assert resp.status_code == 503 and set(resp.json()) == {"error"}
    assert resp.json()["error"].startswith("Индекс закрыт")
    resp = client.post("/api/ask", json={"question": KK_Q})
    assert resp.status_code == 503 and resp.json()["error"].startswith("Индекс жабылды")
    resp = client.post("/api/ask", json={"question": "Who pays the costs?"})
    assert resp.status_code == 503 and resp.json()["error"].startswith("The index has been closed")
    # a bad question is still the user's to fix, not the index's
    assert client.post("/api/ask", json={"question": "   "}).status_code == 400


def test_no_index_yet_is_503():
    """While the app has no TreatyQA (``create_api(None)``), every answer is a 503."""
    none = TestClient(create_api(None))
    resp = none.post("/api/ask", json={"question": RU_Q})
    assert resp.status_code == 503 and resp.json() == {"error": "Индекс пока недоступен; повторите чуть позже."}
    health = none.get("/api/health")
    assert health.status_code == 503 and health.json() == {"status": "unavailable"}


def test_health(client, qa):
    resp = client.get("/api/health")
    body = resp.json()
    assert resp.status_code == 200 and body["status"] == "ok"
    assert body["corpus"] == qa.agreement.corpus_hash and len(body["corpus"]) == 12
    assert body["collection"] == qa.collection and body["collection"].startswith("treatyqa_")


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
    assert resp.status_code == 200 and resp.json()["hits"][0]["citation"] == "Статья 5, пункт 3"
