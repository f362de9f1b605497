"""The HTTP JSON API: ``POST /api/ask`` returns exactly what ``python -m treatyqa ask --json`` prints.

The schema is published at ``GET /api/openapi.json`` (no docs page: Swagger UI would load
scripts from the internet). Errors are ``{"error": message}`` in the question's language
(the request's ``lang``, else the detected language, else English): 400 for a question that
cannot be answered, 422 for a malformed request, 401 without the login when one is set,
503 when the index is unavailable.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import secrets
from typing import Any, Literal

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from treatyqa.errors import IndexUnavailable, InvalidQuestion, TreatyQAError
from treatyqa.web.i18n import message_language

logger = logging.getLogger(__name__)

MAX_TOP_K = 50


# ---------------------------------------------------------------- models (the OpenAPI schema)


class AskRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"question": "Что должен содержать запрос об оказании содействия?", "top_k": 5, "lang": None},
                {"question": "Көмек көрсету туралы сұрау салуда не көрсетілуі керек?", "top_k": 3, "lang": "kk"},
            ]
        },
    )

    question: str = Field(description="The question, in Kazakh or Russian.")
    top_k: int = Field(5, ge=1, le=MAX_TOP_K, description="How many cited clauses to return.")
    lang: Literal["kk", "ru"] | None = Field(
        None, description="The question's language; null detects it."
    )


class LangPair(BaseModel):
    model_config = ConfigDict(extra="allow")
    kk: str
    ru: str


class StatusPair(BaseModel):
    model_config = ConfigDict(extra="allow")
    kk: Literal["authentic", "working_translation"]
    ru: Literal["authentic", "working_translation"]


class HitModel(BaseModel):
    """One cited clause, in both languages."""

    model_config = ConfigDict(extra="allow")
    article: int = Field(description="1..15; 0 is the preamble.")
    paragraph: int | None = Field(description="The numbered paragraph, or null for an article without numbers.")
    item: int | None = Field(description="The 1-based list item inside the paragraph, if the hit is one item.")
    citation: str = Field(description="The label in the question's language, e.g. '5-бап, 3-тармақ'.")
    citations: LangPair = Field(description="The label in each language ('Статья 5, пункт 3').")
    title: str = Field(description="The article's title in the question's language.")
    titles: LangPair
    text: LangPair = Field(description="The clause's text in each language.")
    highlight: str = Field(description="The best-matching sentence or list item, in the question's language.")
    highlights: LangPair = Field(description="The best-matching sentence or list item in each language.")
    status: StatusPair = Field(description="kk is authentic; ru is a working translation unless the official text is installed.")
    score: float


class AskResponse(BaseModel):
    """The result of ``TreatyQA.ask(...).to_dict()``; the same JSON as the CLI's ``--json``."""

    model_config = ConfigDict(extra="allow")
    question: str
    language: str = Field(description="kk, ru, or the detected language of a question in neither.")
    abstained: bool = Field(description="True when the agreement does not answer the question.")
    message: str
    hits: list[HitModel]


class ErrorResponse(BaseModel):
    error: str = Field(description="What went wrong, in the question's language (or English).")


class HealthResponse(BaseModel):
    model_config = ConfigDict(extra="allow")
    status: Literal["ok", "unavailable"]
    corpus: str | None = None
    collection: str | None = None


# ---------------------------------------------------------------- errors


def error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


_FIELD_MESSAGES = {
    "question": InvalidQuestion(
        "The request needs a question as text: {\"question\": \"...\"}.",
        "Сұрауда мәтін түріндегі сұрақ болуы керек: {\"question\": \"...\"}.",
        "В запросе нужен вопрос в виде текста: {\"question\": \"...\"}.",
    ),
    "top_k": InvalidQuestion(
        f"top_k must be a whole number from 1 to {MAX_TOP_K}.",
        f"top_k 1-ден {MAX_TOP_K}-ге дейінгі бүтін сан болуы керек.",
        f"top_k должен быть целым числом от 1 до {MAX_TOP_K}.",
    ),
    "lang": InvalidQuestion(
        "lang must be \"kk\", \"ru\" or null.",
        "lang мәні \"kk\", \"ru\" немесе null болуы керек.",
        "lang должен быть \"kk\", \"ru\" или null.",
    ),
    "body": InvalidQuestion(
        "The request body must be a JSON object: {\"question\": \"...\", \"top_k\": 5, \"lang\": null}.",
        "Сұрау денесі JSON нысаны болуы керек: {\"question\": \"...\", \"top_k\": 5, \"lang\": null}.",
        "Тело запроса должно быть JSON-объектом: {\"question\": \"...\", \"top_k\": 5, \"lang\": null}.",
    ),
}


def _validation_message(exc: RequestValidationError, body: Any) -> str:
    lang = "en"
    if isinstance(body, dict):
        lang = message_language(body.get("question"), body.get("lang") if body.get("lang") in ("kk", "ru") else None)
    messages = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ()) if part != "body"]
        field = loc[0] if loc and err.get("type") != "json_invalid" else "body"
        known = _FIELD_MESSAGES.get(field)
        if err.get("type") == "extra_forbidden":
            messages.append(f"{field}: not a field of this request (use question, top_k, lang).")
        elif known is not None:
            messages.append(known.message(lang))
        else:
            messages.append(f"{field}: {err.get('msg')}")
    return " ".join(dict.fromkeys(messages)) or _FIELD_MESSAGES["body"].message(lang)


# ---------------------------------------------------------------- the app


def create_api(qa: Any, auth: str | None = None) -> FastAPI:
    """A FastAPI app with the JSON API; the Gradio chat is mounted on it by :mod:`treatyqa.web.server`.

    ``qa`` is a :class:`treatyqa.TreatyQA` (or ``None`` while unavailable: every answer is a 503).
    ``auth`` (``"user:password"``) requires HTTP Basic authentication on the API.
    """
    app = FastAPI(
        title="TreatyQA",
        version="1",
        summary="Cited answers from the 2008 Sochi cooperation agreement, in Kazakh and Russian.",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.qa = qa

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        if request.url.path.startswith("/api/"):
            body = exc.body
            if isinstance(body, (bytes, str)):
                try:
                    body = json.loads(body)
                except (ValueError, UnicodeDecodeError):
                    body = None
            return error(422, _validation_message(exc, body))
        return JSONResponse({"detail": exc.errors()}, status_code=422)

    user, password = (auth.split(":", 1) + [""])[:2] if auth else (None, None)

    def require_login(request: Request) -> None:
        if user is None:
            return
        header = request.headers.get("authorization", "")
        scheme, _, encoded = header.partition(" ")
        given = ""
        if scheme.lower() == "basic":
            try:
                given = base64.b64decode(encoded, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                given = ""
        given_user, _, given_password = given.partition(":")
        ok_user = secrets.compare_digest(given_user.encode(), user.encode())
        ok_password = secrets.compare_digest(given_password.encode(), password.encode())
        if not (ok_user and ok_password):
            raise _Unauthorized()

    @app.exception_handler(_Unauthorized)
    async def _unauthorized(request: Request, exc: _Unauthorized) -> JSONResponse:
        return error(401, "Login required (HTTP Basic, the TreatyQA login).", {"WWW-Authenticate": 'Basic realm="TreatyQA"'})

    responses: dict[int | str, dict[str, Any]] = {
        400: {"model": ErrorResponse, "description": "The question cannot be answered (empty, too long, no words)."},
        401: {"model": ErrorResponse, "description": "A login is configured and was not given."},
        422: {"model": ErrorResponse, "description": "The request is malformed."},
        503: {"model": ErrorResponse, "description": "The index is unavailable."},
    }

    @app.post(
        "/api/ask",
        response_model=AskResponse,
        responses=responses,
        summary="Ask the agreement a question",
        dependencies=[Depends(require_login)],
        tags=["answers"],
    )
    def ask(body: AskRequest) -> Any:
        """Rank the agreement's clauses for the question and return them cited in both languages.

        The result is the same JSON as `python -m treatyqa ask --json` and the web chat's
        Gradio API (`/ask`).
        """
        lang = message_language(body.question, body.lang)
        current = app.state.qa
        if current is None:
            return error(503, _unavailable_message(lang))
        try:
            answer = current.ask(body.question, top_k=body.top_k, lang=body.lang)
        except InvalidQuestion as exc:
            return error(400, exc.message(lang))
        except IndexUnavailable as exc:
            return error(503, exc.message(lang))
        except TreatyQAError as exc:
            return error(400, exc.message(lang))
        return JSONResponse(answer.to_dict())

    @app.get("/api/health", response_model=HealthResponse, tags=["service"], summary="Is the index loaded?")
    def health() -> Any:
        current = app.state.qa
        if current is None or getattr(current, "closed", False):
            return JSONResponse({"status": "unavailable"}, status_code=503)
        agreement = getattr(current, "agreement", None)
        collection = getattr(current, "collection", None)
        return {
            "status": "ok",
            "corpus": getattr(agreement, "corpus_hash", None),
            "collection": collection if isinstance(collection, str) else getattr(collection, "name", None),
        }

    return app


class _Unauthorized(Exception):
    pass


def _unavailable_message(lang: str) -> str:
    return IndexUnavailable(
        "The index is not available yet; try again shortly.",
        "Индекс әзірге қолжетімсіз; сәлден соң қайталаңыз.",
        "Индекс пока недоступен; повторите чуть позже.",
    ).message(lang)


__all__ = ["AskRequest", "AskResponse", "ErrorResponse", "HitModel", "create_api"]
