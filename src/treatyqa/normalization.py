"""A typed question as the retrievers should see it, and the language it is in.

Each word is matched against the index's lexicon (``treatyqa.lexicon``): a Kazakh word
typed on a Russian keyboard or in Latin script gets its Kazakh letters back, a mistyped
word becomes the known word it is nearest to, and every known word is evidence for the
question's language. Words the lexicon does not know stay as typed (an off-topic word
must stay unknown: it is what abstention reads).

>>> from treatyqa.lexicon import Lexicon
>>> lexicon = Lexicon.from_texts({"kk": ["Тараптар орыс тілін пайдаланады"], "ru": ["Стороны используют русский язык"]})
>>> query = normalize_query("Taraptar qai tilin paidalanady?", lexicon)
>>> query.text, query.language.lang
('тараптар қай тілін пайдаланады?', 'kk')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from treatyqa.domain import LANGUAGES
from treatyqa.language import Detection, judge_words
from treatyqa.lexicon import WORD, Lexicon, WordMatch
from treatyqa.script import KAZAKH_LATIN_MARKS, KAZAKH_LETTERS, is_latin

# Latin words are read as Kazakh when at least this share of them is a known Kazakh word
# (English or a Latin-script name is not).
LATIN_KAZAKH_SHARE = 0.5


@dataclass(frozen=True)
class NormalizedQuery:
    original: str
    text: str  # what the dense and lexical retrievers see
    language: Detection
    words: tuple[WordMatch, ...]

    @property
    def changed(self) -> bool:
        return self.text != self.original

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "language": self.language.lang,
            "method": self.language.method,
            "shares": dict(self.language.shares),
            "mixed": self.language.mixed,
            "corrections": {w.typed: w.word for w in self.words if _changed(w)},
        }


def _latin_words(words: list[str]) -> set[str]:
    return {w for w in words if sum(is_latin(ch) for ch in w) > len(w) / 2}


def normalize_query(text: str, lexicon: Lexicon, lang: str | None = None) -> NormalizedQuery:
    """``lang`` (kk or ru), when the user chose it, wins over the words' evidence."""
    words = WORD.findall(text)
    latin = _latin_words(words)
    latin_matches = {w: lexicon.match(w, latin=True, prefer="kk") for w in latin}
    known_latin = sum(1 for m in latin_matches.values() if m.known and m.how != "fuzzy")
    marked = any(ch in KAZAKH_LATIN_MARKS for w in latin for ch in w.lower())
    read_latin = bool(latin) and (known_latin >= LATIN_KAZAKH_SHARE * len(latin) or (marked and known_latin > 0))

    # the language the question leans to: words known exactly in one language only
    leaning = ["kk"] * known_latin if read_latin else []
    for word in words:
        if word not in latin:
            in_kk = bool(KAZAKH_LETTERS & set(word.lower())) or lexicon.known_in(word, "kk")
            in_ru = lexicon.known_in(word, "ru")
            if in_kk != in_ru:
                leaning.append("kk" if in_kk else "ru")
    prefer = lang if lang in LANGUAGES else max(LANGUAGES, key=leaning.count) if leaning else None

    unknown = lambda w: WordMatch(w, w, None, "unknown")  # noqa: E731
    keyboard = bool(KAZAKH_LETTERS & set(text.lower()))  # a Kazakh keyboard in use
    matches = [
        (latin_matches[w] if read_latin else unknown(w)) if w in latin else lexicon.match(w, prefer=prefer, keyboard=keyboard)
        for w in words
    ]
    judged = judge_words(text, [m.lang for m in matches if m.how != "stop"] or [m.lang for m in matches])
    if lang in LANGUAGES:
        judged = Detection(lang, "given", judged.shares, judged.mixed)
    return NormalizedQuery(text, _rewrite(text, matches), judged, tuple(matches))


def _changed(m: WordMatch) -> bool:
    return m.how in ("fold", "prefix", "fuzzy") and m.word != m.typed.lower()


def _rewrite(text: str, matches: list[WordMatch]) -> str:
    """``text`` with each word replaced by the known word it was taken for."""
    replacements = iter(matches)

    def replace(match: re.Match) -> str:
        m = next(replacements)
        return m.word if _changed(m) else match.group()

    return WORD.sub(replace, text)
