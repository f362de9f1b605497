"""Clean a question and refuse what cannot be answered, with the reason in the user's language."""

from __future__ import annotations

import re
import unicodedata

from treatyqa.citation_query import parse_citations
from treatyqa.domain import MAX_TOP_K, MIN_TOP_K, is_top_k
from treatyqa.errors import InvalidQuestion

# Script and style bodies and comments are not text: they go whole (unclosed: to the end, as
# a browser reads them). Other tags go and their text stays.
_HIDDEN = re.compile(r"<(script|style)\b[^>]*>.*?(?:</\1\s*>|$)|<!--.*?(?:-->|$)", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^<>]{0,300}>")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")
_SPACE = re.compile(r"\s+")
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_question(text: str) -> str:
    """Plain text for retrieval: markup tags and control characters removed, spaces folded.

    The question is only ever searched for, never executed or rendered; tags go because
    they are not words of the question, and so do the contents of ``<script>`` and
    ``<style>`` and HTML comments (``<b>Кто</b>`` keeps ``Кто``; ``<script>alert(1)</script>``
    leaves nothing).
    """
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub(" ", text)
    text = _HIDDEN.sub(" ", text)
    text = _TAG.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def displayable(raw: object) -> str:
    """``raw`` as text that can be shown and serialised: lone surrogates (which JSON can
    carry but UTF-8 cannot) become U+FFFD. For echoing input back, never for answering it."""
    if not isinstance(raw, str):
        return ""
    return _SURROGATE.sub("\ufffd", raw)


def validate_question(raw: object, max_chars: int) -> str:
    """The question as searched (:func:`clean_question`), or InvalidQuestion carrying the
    reason in every language (the caller shows the one its user reads)."""
    if not isinstance(raw, str):
        raise InvalidQuestion(
            "The question must be text.", "Сұрақ мәтін болуы керек.", "Вопрос должен быть текстом."
        )
    if len(raw) > max_chars * 4:  # refuse huge input before doing any work on it
        raise _too_long(max_chars)
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: broken text, not a character
        raise InvalidQuestion(
            "The question contains characters that are not valid text (a broken encoding); retype it.",
            "Сұрақта мәтін емес таңбалар бар (кодировкасы бұзылған); сұрақты қайта теріңіз.",
            "В вопросе есть символы, которые не являются текстом (испорчена кодировка); наберите вопрос заново.",
        ) from None
    text = clean_question(raw)
    if not text:
        raise InvalidQuestion(
            "The question is empty: type a question about the agreement.",
            "Сұрақ бос: Келісім туралы сұрақ жазыңыз.",
            "Вопрос пуст: введите вопрос о Соглашении.",
        )
    if len(text) > max_chars:
        raise _too_long(max_chars)
    if not any(ch.isalpha() for ch in text) and not parse_citations(text):  # "8.3" is a look-up
        raise InvalidQuestion(
            "The question has no words: ask in Kazakh or Russian.",
            "Сұрақта сөз жоқ: қазақша немесе орысша сұраңыз.",
            "В вопросе нет слов: задайте вопрос на казахском или русском языке.",
        )
    return text


def top_k_error() -> InvalidQuestion:
    """What the API, the HTTP endpoint and the chat say about a top_k out of range."""
    return InvalidQuestion(
        f"top_k must be a whole number from {MIN_TOP_K} to {MAX_TOP_K}.",
        f"top_k {MIN_TOP_K}-ден {MAX_TOP_K}-ге дейінгі бүтін сан болуы керек.",
        f"top_k должен быть целым числом от {MIN_TOP_K} до {MAX_TOP_K}.",
    )


def validate_top_k(top_k: object) -> int:
    if not is_top_k(top_k):
        raise top_k_error()
    return top_k  # type: ignore[return-value]  # is_top_k checked it is an int


def _too_long(max_chars: int) -> InvalidQuestion:
    return InvalidQuestion(
        f"The question is too long: at most {max_chars} characters, please shorten it.",
        f"Сұрақ тым ұзын: ең көбі {max_chars} таңба, қысқартыңыз.",
        f"Вопрос слишком длинный: не более {max_chars} символов, сократите его.",
    )
