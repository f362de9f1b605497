"""Which language a question is in: Kazakh, Russian, both, or something else.

The question's own words decide first (:func:`judge_words`): each word the lexicon knows
as Kazakh or as Russian is evidence, so a Russian question with one Kazakh term stays
Russian (and is marked mixed), and Kazakh typed without Kazakh letters or in Latin script
is still Kazakh. Without such evidence, letters decide: ә ғ қ ң ө ұ ү һ occur only in
Kazakh; Ukrainian, Belarusian, Serbian and Macedonian have letters of their own too. Other
Cyrillic text is settled by lingua among Kazakh, Russian, Ukrainian, Belarusian and Bulgarian
(a Russian function word wins over lingua's guess on short questions); other scripts go to langdetect,
which knows many languages but has no Kazakh profile.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from treatyqa.domain import LANGUAGES, answer_language

logger = logging.getLogger(__name__)

KAZAKH_ONLY = set("әғқңөұүһӘҒҚҢӨҰҮҺ")
UKRAINIAN_ONLY = set("їєґЇЄҐ")
BELARUSIAN_ONLY = set("ўЎ")
# Serbian and Macedonian are told by their letters first: a sentence of either nearly always
# has one of these, so their lingua models load only when such a letter comes (the process is
# 70–90 MB smaller), and a short Russian question can no longer be taken for Macedonian. A
# Serbian line with none of them goes to the other languages' detector. ј љ њ џ are in both.
SERBIAN_ONLY = set("ђћЂЋ")
MACEDONIAN_ONLY = set("ѓќѕЃЌЅ")
SERBIAN_OR_MACEDONIAN = set("јљњџЈЉЊЏ")
UNDETERMINED = "und"  # the ISO 639 code for "no language to judge" (digits, signs)
_lock = threading.Lock()


# Russian function words that Bulgarian, Macedonian, Serbian and Ukrainian do not share.
RUSSIAN_ONLY_WORDS = frozenset(
    "кто что как где когда почему зачем сколько какой какая какие каких можно нужно ли "
    "если или это этот эта эти который которая которые является должен должна должны чем "
    "кого кому чей чья также только ещё еще".split()
)
# A language with less than this share of the known words is still "mixed" in.
MIXED_SHARE = 0.15


@dataclass(frozen=True)
class Detection:
    """The judgement and its evidence: ``shares`` of the question's known words that are
    Kazakh and Russian; ``mixed`` when both languages have a real share."""

    lang: str  # "kk", "ru", another ISO code, or UNDETERMINED when there is no text to judge
    method: str  # "words", "letters", "lingua", "langdetect", "given", "none"
    shares: dict[str, float] = field(default_factory=dict)
    mixed: bool = False

    @property
    def search_langs(self) -> tuple[str, ...]:
        """The languages whose lexical evidence counts for this question: every language
        one of its words is known in (a single Russian term in a Kazakh question is still
        evidence), Russian for a third language."""
        if self.mixed or self.lang == UNDETERMINED or all(self.shares.get(code, 0) > 0 for code in LANGUAGES):
            return LANGUAGES
        return (answer_language(self.lang),)

    @property
    def label_lang(self) -> str:
        """The language of the answer's labels and messages (Russian for a third language)."""
        return answer_language(self.lang)


def _is_cyrillic(ch: str) -> bool:
    return "CYRILLIC" in unicodedata.name(ch, "")


@lru_cache(maxsize=1)
def _lingua_serbian_macedonian():
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(Language.SERBIAN, Language.MACEDONIAN).build()


@lru_cache(maxsize=1)
def _lingua():
    from lingua import Language, LanguageDetectorBuilder

    # Mongolian is not a candidate: its ө and ү make it Kazakh by letters before lingua is asked
    langs = [Language.KAZAKH, Language.RUSSIAN, Language.UKRAINIAN, Language.BELARUSIAN, Language.BULGARIAN]
    return LanguageDetectorBuilder.from_languages(*langs).with_preloaded_language_models().build()


def preload() -> None:
    """Load the detector's models now (about a second) rather than on the first question."""
    with _lock:
        _lingua()


def _lingua_code(text: str, build=_lingua, fallback: str = "ru") -> str:
    """lingua's code for ``text`` among the languages of ``build``'s detector; ``fallback``
    without any signal (Russian by default: the working language of the agreement)."""
    with _lock:
        detector = build()
    result = detector.detect_language_of(text)
    return fallback if result is None else result.iso_code_639_1.name.lower()


def _langdetect_code(text: str) -> str:
    from langdetect import DetectorFactory, LangDetectException, detect

    DetectorFactory.seed = 0  # deterministic answers
    try:
        return detect(text)
    except LangDetectException:
        return UNDETERMINED


def detect_language(text: str) -> Detection:
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return Detection(UNDETERMINED, "none")
    if any(ch in KAZAKH_ONLY for ch in letters):
        return Detection("kk", "letters")
    cyrillic = sum(1 for ch in letters if _is_cyrillic(ch))
    if cyrillic >= len(letters) / 2:
        if any(ch in UKRAINIAN_ONLY for ch in letters):
            return Detection("uk", "letters")
        if any(ch in BELARUSIAN_ONLY for ch in letters):
            return Detection("be", "letters")
        if any(ch in SERBIAN_ONLY for ch in letters):
            return Detection("sr", "letters")
        if any(ch in MACEDONIAN_ONLY for ch in letters):
            return Detection("mk", "letters")
        if any(ch in SERBIAN_OR_MACEDONIAN for ch in letters):
            return Detection(_lingua_code(text, _lingua_serbian_macedonian, "sr"), "lingua")
        code = _lingua_code(text)
        if code not in LANGUAGES and RUSSIAN_ONLY_WORDS & set(text.lower().replace("ё", "е").split()):
            return Detection("ru", "letters")
        return Detection(code, "lingua")
    return Detection(_langdetect_code(text), "langdetect")


def judge_words(text: str, langs: list[str | None]) -> Detection:
    """The judgement from the languages of the question's words (None: a word no lexicon
    knows); falls back to :func:`detect_language` when no word is known."""
    counts = {lang: langs.count(lang) for lang in LANGUAGES}
    known = sum(counts.values())
    if not known:
        return detect_language(text)
    shares = {lang: round(n / known, 3) for lang, n in counts.items()}
    lang = max(LANGUAGES, key=lambda code: (shares[code], code == "kk" and any(ch in KAZAKH_ONLY for ch in text)))
    mixed = min(shares.values()) >= MIXED_SHARE or (min(counts.values()) > 0 and known <= 3)
    return Detection(lang, "words", shares, mixed)
