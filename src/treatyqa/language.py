"""Which language a question is in: Kazakh, Russian, or something else.

langdetect has no Kazakh profile (it answers ``uk``, ``mk`` or ``ru`` for Kazakh), so
letters decide first: ә ғ қ ң ө ұ ү һ occur only in Kazakh. Cyrillic text without them is
settled by lingua, restricted to the Cyrillic languages that could be meant; other
scripts go to langdetect, which knows many languages.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

logger = logging.getLogger(__name__)

KAZAKH_ONLY = set("әғқңөұүһӘҒҚҢӨҰҮҺ")
UKRAINIAN_ONLY = set("їєґЇЄҐ")
BELARUSIAN_ONLY = set("ўЎ")
_lock = threading.Lock()


@dataclass(frozen=True)
class Detection:
    lang: str  # "kk", "ru", another ISO code, or "und" when there is no text to judge
    method: str  # "letters", "lingua", "langdetect", "none"


def _is_cyrillic(ch: str) -> bool:
    return "CYRILLIC" in unicodedata.name(ch, "")


@lru_cache(maxsize=1)
def _lingua():
    from lingua import Language, LanguageDetectorBuilder

    langs = [Language.KAZAKH, Language.RUSSIAN, Language.UKRAINIAN, Language.BELARUSIAN,
             Language.BULGARIAN, Language.MACEDONIAN, Language.SERBIAN, Language.MONGOLIAN]
    return LanguageDetectorBuilder.from_languages(*langs).with_preloaded_language_models().build()


def preload() -> None:
    """Load the detector's models now (about a second) rather than on the first question."""
    with _lock:
        _lingua()


def _lingua_code(text: str) -> str:
    with _lock:
        detector = _lingua()
    result = detector.detect_language_of(text)
    if result is None:
        return "ru"  # Cyrillic with no signal at all: the working language of the agreement
    return result.iso_code_639_1.name.lower()


def _langdetect_code(text: str) -> str:
    from langdetect import DetectorFactory, LangDetectException, detect

    DetectorFactory.seed = 0  # deterministic answers
    try:
        return detect(text)
    except LangDetectException:
        return "und"


def detect_language(text: str) -> Detection:
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return Detection("und", "none")
    if any(ch in KAZAKH_ONLY for ch in letters):
        return Detection("kk", "letters")
    cyrillic = sum(1 for ch in letters if _is_cyrillic(ch))
    if cyrillic >= len(letters) / 2:
        if any(ch in UKRAINIAN_ONLY for ch in letters):
            return Detection("uk", "letters")
        if any(ch in BELARUSIAN_ONLY for ch in letters):
            return Detection("be", "letters")
        return Detection(_lingua_code(text), "lingua")
    return Detection(_langdetect_code(text), "langdetect")
