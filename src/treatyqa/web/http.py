"""The HTTP JSON API: ``POST /api/ask`` returns exactly what ``python -m treatyqa ask --json`` prints.

The schema is published at ``GET /api/openapi.json`` (no docs page: Swagger UI would load
scripts from the internet). Errors are ``{"error": message}`` in the question's language
(the request's ``lang``, else the detected language, else English), on every path under
``/api/``: 400 for a question that cannot be answered (including broken text such as a lone
surrogate), 401 without the login when one is set, 404/405 for an unknown path or method,
413 for a body over the limit, 422 for a malformed request (invalid JSON or UTF-8, too
deeply nested, wrong fields), 429 after too many failed logins, 500 for an internal fault
(logged; no exception text reaches the client), 503 when the index is unavailable or too
many questions wait (with ``Retry-After``). A question whose client has gone is not computed.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Literal

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from treatyqa.domain import LANGUAGES, MAX_TOP_K, MIN_TOP_K
from treatyqa.errors import IndexUnavailable, InvalidQuestion, TreatyQAError
from treatyqa.validation import displayable, top_k_error
from treatyqa.web.i18n import message_language
from treatyqa.web.limits import Admission, Busy, ClientGone
from treatyqa.web.login import Login

logger = logging.getLogger(__name__)


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
    top_k: int = Field(5, ge=MIN_TOP_K, le=MAX_TOP_K, description="How many cited clauses to return.")
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


class TranslatorNoteModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lang: str = Field(description="The language version the note is about (ru: the working translation).")
    note: str = Field(description="Where and why the translation departs from the literal text.")
    literal: str = Field(description="The literal rendering of the authentic text.")


class ReadAsModel(BaseModel):
    """How the question was read (``NormalizedQuery.to_dict``)."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(description="What was searched for: Kazakh letters restored, Latin transliterated, typos corrected.")
    language: str
    method: str = Field(description="words, letters, lingua, langdetect, given or none.")
    shares: dict[str, float] = Field(description="The share of the known words in each language.")
    mixed: bool
    corrections: dict[str, str] = Field(description="Each word that was changed, as typed -> as read.")


class CitationModel(BaseModel):
    """A citation identity (``Citation.to_dict``)."""

    model_config = ConfigDict(extra="forbid")
    article: int
    paragraph: int | None
    item: int | None


class HitModel(BaseModel):
    """One cited clause, in both languages."""

    # forbid: a key that Hit.to_dict gains but this model lacks fails the response (and the
    # tests) instead of reaching clients undocumented
    model_config = ConfigDict(extra="forbid")
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
    translator_note: TranslatorNoteModel | None = Field(description="The translator's note on this clause, if any.")


class AskResponse(BaseModel):
    """The result of ``TreatyQA.ask(...).to_dict()``; the same JSON as the CLI's ``--json``."""

    model_config = ConfigDict(extra="forbid")
    question: str
    language: str = Field(description="kk, ru, or the detected language of a question in neither.")
    abstained: bool = Field(description="True when the agreement does not answer the question.")
    message: str
    read_as: ReadAsModel
    not_in_agreement: list[CitationModel] = Field(
        description="Citations typed in the question that the agreement lacks (Статья 16, 15.4); the message says so."
    )
    hits: list[HitModel]


class ErrorResponse(BaseModel):
    error: str = Field(description="What went wrong, in the question's language (or English).")


class HealthResponse(BaseModel):
    """Liveness; with the login (when one is set) also which corpus and collection are served."""

    model_config = ConfigDict(extra="forbid")
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
    "top_k": top_k_error(),
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


def request_language(question: object, lang: object = None) -> str:
    """The language for a message about this request (never fails, whatever the input)."""
    return message_language(displayable(question) or None, lang if lang in LANGUAGES else None)


def _validation_message(errors: list[dict[str, Any]], body: Any) -> str:
    lang = "en"
    if isinstance(body, dict):
        lang = request_language(body.get("question"), body.get("lang"))
    messages = []
    for err in errors:
        loc = [str(part) for part in err.get("loc", ()) if part != "body"]
        field = loc[0] if loc and err.get("type") != "json_invalid" else "body"
        known = _FIELD_MESSAGES.get(field)
        if err.get("type") == "extra_forbidden":
            messages.append(f"{displayable(field)[:40]}: not a field of this request (use question, top_k, lang).")
        elif known is not None:
            messages.append(known.message(lang))
        else:
            messages.append(_FIELD_MESSAGES["body"].message(lang))
    return " ".join(dict.fromkeys(messages)) or _FIELD_MESSAGES["body"].message(lang)


def parse_ask(question: object, top_k: object = 5, lang: object = None) -> AskRequest:
    """The same checks as ``POST /api/ask`` for callers that are not HTTP (the Gradio API):
    raises :class:`InvalidQuestion` with the same messages."""
    try:
        return AskRequest.model_validate({"question": question, "top_k": top_k, "lang": lang})
    except ValidationError as exc:
        message = _validation_message(exc.errors(), {"question": question, "lang": lang})
        raise InvalidQuestion(message, message, message) from None


def internal_error(lang: str) -> str:
    return TreatyQAError(
        "An internal error occurred; no answer was produced. Try again; if it repeats, tell the administrator.",
        "Ішкі қате орын алды, жауап берілмеді. Қайталап көріңіз; қате қайталанса, әкімшіге хабарлаңыз.",
        "Произошла внутренняя ошибка, ответ не получен. Повторите попытку; если ошибка повторится, сообщите администратору.",
    ).message(lang)


def busy_message(lang: str, seconds: int) -> str:
    return TreatyQAError(
        f"The service is busy; try again in {seconds} s.",
        f"Қызмет бос емес; {seconds} секундтан кейін қайталаңыз.",
        f"Сервис занят; повторите через {seconds} с.",
    ).message(lang)


_HTTP_MESSAGES = {
    404: "No such API path: see /api/openapi.json.",
    405: "This method is not allowed here: see /api/openapi.json.",
}


# ---------------------------------------------------------------- the app


def create_api(qa: Any, auth: str | None = None, admission: Admission | None = None) -> FastAPI:
    """A FastAPI app with the JSON API; the Gradio chat is mounted on it by :mod:`treatyqa.web.server`.

    ``qa`` is a :class:`treatyqa.TreatyQA` (or ``None`` while unavailable: every answer is a 503).
    ``auth`` (``"user:password"``, see :class:`Login`) requires HTTP Basic authentication on the API.
    ``admission`` bounds how many questions may wait (default: 64 waiting, as many computing as ``qa`` answers at once).
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
    app.state.admission = admission = admission or Admission(slots=getattr(qa, "answering_slots", 1))

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        body = exc.body
        if isinstance(body, (bytes, str)):
            try:
                body = json.loads(body)
            except (ValueError, UnicodeDecodeError, RecursionError):
                body = None
        return error(422, _validation_message(list(exc.errors()), body))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # FastAPI could not parse the body (bad UTF-8, JSON, nesting)
            return error(422, _FIELD_MESSAGES["body"].message("en"))
        message = _HTTP_MESSAGES.get(exc.status_code, "The request cannot be served.")
        return error(exc.status_code, message, dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        logger.error("internal error on %s", request.url.path, exc_info=exc)
        return error(500, internal_error("en"))

    login = Login.parse(auth)

    def require_login(request: Request) -> None:
        if login is not None and not login.accepts(request.headers.get("authorization", "")):
            raise _Unauthorized()

    @app.exception_handler(_Unauthorized)
    async def _unauthorized(request: Request, exc: _Unauthorized) -> JSONResponse:
        return error(401, "Login required (HTTP Basic, the TreatyQA login).", {"WWW-Authenticate": 'Basic realm="TreatyQA"'})

    def logged_in(request: Request) -> bool:
        try:
            require_login(request)
        except _Unauthorized:
            return False
        return True

    retry_header = {"Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "integer"}}}
    common: dict[int | str, dict[str, Any]] = {
        413: {"model": ErrorResponse, "description": "The request body is over the size limit."},
        429: {"model": ErrorResponse, "description": "Too many failed logins from this address.", "headers": retry_header},
        500: {"model": ErrorResponse, "description": "An internal fault (logged); no answer was produced."},
    }
    responses: dict[int | str, dict[str, Any]] = {
        400: {"model": ErrorResponse, "description": "The question cannot be answered (empty, too long, no words, broken text)."},
        401: {"model": ErrorResponse, "description": "A login is configured and was not given."},
        422: {"model": ErrorResponse, "description": "The request is malformed (not a UTF-8 JSON object of the schema)."},
        503: {"model": ErrorResponse, "description": "The index is unavailable, or too many questions wait.", "headers": retry_header},
        **common,
    }

    @app.post(
        "/api/ask",
        response_model=AskResponse,
        responses=responses,
        summary="Ask the agreement a question",
        dependencies=[Depends(require_login)],
        tags=["answers"],
    )
    async def ask(body: AskRequest, request: Request) -> Any:
        """Rank the agreement's clauses for the question and return them cited in both languages.

        The result is the same JSON as `python -m treatyqa ask --json` and the web chat's
        Gradio API (`/ask`).
        """
        lang = request_language(body.question, body.lang)
        current = app.state.qa
        if current is None:
            return error(503, _unavailable_message(lang), {"Retry-After": "5"})
        try:
            answer = await admission.run(
                lambda: current.ask(body.question, top_k=body.top_k, lang=body.lang), request.is_disconnected
            )
        except ClientGone:
            return error(503, busy_message(lang, admission.retry_after))  # nobody is left to read it
        except Busy as exc:
            return error(503, busy_message(lang, exc.retry_after), {"Retry-After": str(exc.retry_after)})
        except InvalidQuestion as exc:
            return error(400, exc.message(lang))
        except IndexUnavailable as exc:
            return error(503, exc.message(lang), {"Retry-After": "5"})
        except TreatyQAError as exc:
            return error(400, exc.message(lang))
        except Exception:  # noqa: BLE001 - logged here; the client gets one sentence
            logger.exception("answering failed")
            return error(500, internal_error(lang))
        return AskResponse.model_validate(answer.to_dict())  # the schema is what is sent

    @app.get(
        "/api/health",
        response_model=HealthResponse,
        responses={503: {"model": HealthResponse, "description": "The index is not loaded."}, **common},
        tags=["service"],
        summary="Is the service alive? (with the login: which index)",
    )
    def health(request: Request) -> Any:
        current = app.state.qa
        if current is None or getattr(current, "closed", False):
            return JSONResponse({"status": "unavailable"}, status_code=503)
        if login is not None and not logged_in(request):
            return JSONResponse({"status": "ok"})  # liveness only: the index's identity is for logged-in staff
        agreement = getattr(current, "agreement", None)
        collection = getattr(current, "collection", None)
        return {
            "status": "ok",
            "corpus": getattr(agreement, "corpus_hash", None),
            "collection": collection if isinstance(collection, str) else getattr(collection, "name", None),
        }

    known = {"/api/ask": "POST", "/api/health": "GET", "/api/openapi.json": "GET"}

    @app.api_route(
        "/api/{rest:path}",
        methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "QUERY"],
        include_in_schema=False,
    )
    def unknown(rest: str, request: Request) -> JSONResponse:
        """Unknown paths and methods under /api/ get the API's error shape (not the chat's 404 page)."""
        allowed = known.get(request.url.path)
        if allowed is not None:
            return error(405, _HTTP_MESSAGES[405], {"Allow": allowed})
        return error(404, _HTTP_MESSAGES[404])

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
