"""The Gradio API's ``/ask``: the same checks and messages as ``POST /api/ask``.

Inputs reach the function as the client sent them (Gradio's API component does not convert),
so ``top_k`` ``"abc"``, ``None`` or ``5.9`` are refused exactly as HTTP refuses them, and any
failure is a :class:`gradio.Error` with one sentence in the question's language: no exception
text or component name reaches the client.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import treatyqa  # noqa: F401  (offline environment variables before gradio is imported)

from treatyqa.errors import TreatyQAError
from treatyqa.web.http import internal_error, parse_ask, request_language

logger = logging.getLogger(__name__)


def answer_or_error(answer: Callable[[str, int, str | None], dict[str, Any]], question: Any, top_k: Any, lang: Any) -> dict[str, Any]:
    """``answer(question, top_k, lang)`` after HTTP's validation; every failure a ``gr.Error``."""
    try:
        request = parse_ask(question, top_k, lang or None)
        return answer(request.question, request.top_k, request.lang)
    except TreatyQAError as exc:
        message = exc.message(request_language(question, lang))
    except Exception:  # noqa: BLE001 - logged here; the client gets one sentence
        logger.exception("answering failed")
        message = internal_error(request_language(question, lang))
    import gradio as gr  # here, not at the top: importing the chat's helpers should not import gradio

    raise gr.Error(message, print_exception=False)


__all__ = ["answer_or_error"]
