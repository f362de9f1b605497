"""The page served while the app starts, so that a browser sees progress, not "connection refused".

``/`` is a small self-refreshing page in Kazakh and Russian (the browser's language first);
``/api/*`` answers 503 in the API's error shape with the stage and counts; any other path is
the same page with 503, so that a client polling it retries. No script, no external resource;
everything shown is escaped. Once the chat is ready, the server swaps this app out for it
on the same socket (:mod:`treatyqa.web.server`).
"""

from __future__ import annotations

import html
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from treatyqa.web.i18n import UI_LANGUAGES, language_from_accept, t
from treatyqa.web.startup import StartupState, StartupView

REFRESH_SECONDS = 3
# nothing but the page's own inline style: no script, no image, no font, no frame
CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;line-height:1.5;"
    "color:#1f2937;background:#fff}"
    "@media (prefers-color-scheme:dark){body{color:#e5e7eb;background:#111827}}"
    "h1{font-size:1.4rem}section+section{margin-top:2rem;opacity:.8}"
    "progress{width:100%;height:1rem}p.note{font-size:.9rem}"
)


def duration(seconds: float) -> str:
    """``45 с``, ``2 мин 05 с``: the same abbreviations in Kazakh and Russian.

    >>> duration(44.6), duration(125)
    ('45 с', '2 мин 05 с')
    """
    whole = max(0, round(seconds))
    return f"{whole} с" if whole < 60 else f"{whole // 60} мин {whole % 60:02d} с"


def stage_text(view: StartupView, lang: str) -> str:
    """What the start is doing, in ``lang``."""
    if view.done is not None and view.total is not None and view.stage in ("index", "model"):
        return t(f"starting_stage_{view.stage}", lang, done=view.done, total=view.total)
    return t("starting_stage_loading" if view.stage != "starting" else "starting_stage_starting", lang)


def _section(view: StartupView, lang: str) -> str:
    parts = [f"<h1>{html.escape(t('starting_title', lang))}</h1>", f"<p>{html.escape(stage_text(view, lang))}</p>"]
    if view.done is not None and view.total:
        parts.append(f'<progress max="{int(view.total)}" value="{int(view.done)}"></progress>')
    if view.eta is not None:
        parts.append(f"<p>{html.escape(t('starting_eta', lang, time=duration(view.eta)))}</p>")
    parts.append(f'<p class="note">{html.escape(t("starting_refresh", lang))} {html.escape(t("starting_first_run", lang))}</p>')
    return f'<section lang="{html.escape(lang)}">' + "".join(parts) + "</section>"


def starting_page(view: StartupView, lang: str) -> str:
    """The whole page: ``lang`` (the browser's choice) first, the other language below."""
    first = lang if lang in UI_LANGUAGES else UI_LANGUAGES[0]
    order = [first] + [other for other in UI_LANGUAGES if other != first]
    return (
        f'<!doctype html><html lang="{html.escape(first)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="refresh" content="{REFRESH_SECONDS}">'
        f"<title>{html.escape(t('starting_title', first))}</title><style>{_STYLE}</style></head><body>"
        + "".join(_section(view, other) for other in order)
        + "</body></html>"
    )


def starting_error(view: StartupView) -> dict[str, Any]:
    """The API's error shape (``{"error": ...}``, English as for any request without a
    question) with where the start is: ``status``, ``stage``, ``done``, ``total``, ``eta_seconds``.

    >>> starting_error(StartupView("index", 40, 100, 12.0, 30.0))["error"]
    'TreatyQA is starting: building the index (40 of 100 documents); try again shortly.'
    """
    if view.stage == "index" and view.total is not None:
        doing = f"building the index ({view.done} of {view.total} documents)"
    elif view.stage == "model" and view.total is not None:
        doing = f"converting the embedding model ({view.done} of {view.total} tensors)"
    elif view.stage == "starting":
        doing = "starting up"
    else:
        doing = "loading the index and the model"
    return {"error": f"TreatyQA is starting: {doing}; try again shortly.", "status": "starting", **view.to_dict()}


class StartingApp:
    """An ASGI app (HTTP only; run it with ``lifespan="off"``) over a :class:`StartupState`."""

    def __init__(self, state: StartupState):
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # websockets: refuse; Gradio's page is not there yet
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1013})  # "try again later"
            return
        view = self.state.view()
        path = scope.get("path", "/")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        common = [(b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff")]
        if path == "/api" or path.startswith("/api/"):
            status, body = 503, json.dumps(starting_error(view), ensure_ascii=False).encode("utf-8")
            content_type = b"application/json"
        else:
            lang = language_from_accept(headers.get("accept-language"))
            status, body = (200 if path == "/" else 503), starting_page(view, lang).encode("utf-8")
            content_type = b"text/html; charset=utf-8"
            common.append((b"content-security-policy", CSP.encode()))
        if status == 503:
            common.append((b"retry-after", str(REFRESH_SECONDS).encode()))
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode()), *common],
            }
        )
        await send({"type": "http.response.body", "body": b"" if scope.get("method") == "HEAD" else body})


__all__ = ["CSP", "REFRESH_SECONDS", "StartingApp", "duration", "stage_text", "starting_error", "starting_page"]
