"""How staff type Kazakh: folded Cyrillic keys and Kazakh in Latin script (pure functions).

*Folding* maps every letter to the nearest letter of a Russian keyboard (ә→а, ғ→г, қ→к,
ң→н, ө→о, ұ/ү→у, һ→х, і/ы/й→и, ё/э→е), the way search engines fold accents: a Kazakh word
typed on a Russian keyboard and the word as published share one key. ы and й fold with і
and и because users type і as и or ы, and Latin ``i``/``y`` stand for all four.

*Latin* Kazakh comes in several official alphabets (2017 with apostrophes, 2018 with acute
accents, 2021 with ä ğ ı ñ ö ş ū ü) and informal ASCII (sh, ch, zh, gh, ng). Letters that
the alphabets disagree on (``y``: ы in 2017-2021, у for some; ``ng``: ң or н+г) give
several candidate keys; the lexicon of the agreement picks the word (``treatyqa.lexicon``).
No PyPI package transliterates Kazakh Latin to Cyrillic in all these variants
(cyrtranslit has no Kazakh table; qazaq-transliterator goes Cyrillic → a pre-2021 Latin
only), so the table is here, tested against the official 2021 alphabet.

>>> fold("Сұрау салудың")
'сурау салудин'
>>> latin_keys("qūqyqtyq")[0]
'кукиктик'
>>> sorted(latin_keys("tañ"))
['тан']
"""

from __future__ import annotations

import itertools
import re
import unicodedata

_FOLD = str.maketrans(
    {
        "ә": "а", "ғ": "г", "қ": "к", "ң": "н", "ө": "о", "ұ": "у", "ү": "у", "һ": "х",
        "і": "и", "ы": "и", "й": "и", "ё": "е", "э": "е", "ъ": "", "ь": "",
    }
)

KAZAKH_LETTERS = frozenset("әғқңөұүһі")

# The official 2021 alphabet, Cyrillic → Latin (Cabinet decision of 28 January 2021).
OFFICIAL_2021 = {
    "а": "a", "ә": "ä", "б": "b", "в": "v", "г": "g", "ғ": "ğ", "д": "d", "е": "e", "ж": "j",
    "з": "z", "и": "i", "й": "i", "к": "k", "қ": "q", "л": "l", "м": "m", "н": "n", "ң": "ñ",
    "о": "o", "ө": "ö", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ұ": "ū", "ү": "ü",
    "ф": "f", "х": "h", "һ": "h", "ч": "ç", "ш": "ş", "ы": "y", "і": "ı",
}

_APOSTROPHES = "'’ʼ`´‘"
# Longest first: digraphs and letter + apostrophe before single letters. Values are folded
# Cyrillic; a tuple lists the readings the alphabets allow.
_LATIN: dict[str, str | tuple[str, ...]] = {
    # 2017 apostrophe alphabet (normalised to "'")
    "a'": "а", "o'": "о", "u'": "у", "g'": "г", "n'": "н", "i'": "и", "s'": "ш", "c'": "ч", "y'": "у",
    # informal ASCII digraphs
    "sh": "ш", "ch": "ч", "zh": "ж", "gh": "г", "kh": "х", "ng": ("н", "нг"),
    "yu": "ю", "ya": "я", "iu": ("ю", "иу"), "ia": ("я", "иа"), "ts": ("ц", "тс"),
    # 2021 and 2018 letters
    "ä": "а", "á": "а", "ğ": "г", "ǵ": "г", "ı": "и", "í": "и", "ñ": "н", "ń": "н", "ö": "о",
    "ó": "о", "ş": "ш", "ç": "ч", "ū": "у", "ü": "у", "ú": "у", "ý": "у", "q": "к",
    # letters common to all
    "a": "а", "b": "б", "c": "ц", "d": "д", "e": "е", "f": "ф", "g": "г", "h": "х", "i": "и",
    "j": "ж", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "r": "р", "s": "с",
    "t": "т", "u": "у", "v": "в", "w": "у", "x": "х", "y": ("и", "у"), "z": "з",
}
_LATIN_KEYS = sorted(_LATIN, key=len, reverse=True)
_LATIN_RE = re.compile("|".join(re.escape(k) for k in _LATIN_KEYS))
MAX_CANDIDATES = 16

# Letters that only the Kazakh Latin alphabets use (English and Russian typists do not).
KAZAKH_LATIN_MARKS = frozenset("äğıñöşūüáǵńóúýq") | frozenset(_APOSTROPHES)


def fold(text: str) -> str:
    """Lowercase, then every letter to its Russian-keyboard neighbour."""
    return text.lower().translate(_FOLD)


def is_latin(ch: str) -> bool:
    return "LATIN" in unicodedata.name(ch, "")


def _normalise_latin(word: str) -> str:
    word = unicodedata.normalize("NFC", word.lower().replace("i̇", "i"))
    for mark in _APOSTROPHES:
        word = word.replace(mark, "'")
    return word


def latin_keys(word: str) -> list[str]:
    """The folded Cyrillic keys a Latin-script Kazakh word can stand for (at most 16)."""
    word = _normalise_latin(word)
    parts: list[tuple[str, ...]] = []
    pos = 0
    for match in _LATIN_RE.finditer(word):
        if match.start() > pos:  # characters outside the table (digits, stray marks) stay
            parts.append((word[pos : match.start()].replace("'", ""),))
        value = _LATIN[match.group()]
        parts.append(value if isinstance(value, tuple) else (value,))
        pos = match.end()
    if pos < len(word):
        parts.append((word[pos:].replace("'", ""),))
    keys = ("".join(p) for p in itertools.product(*parts))
    return list(dict.fromkeys(itertools.islice(keys, MAX_CANDIDATES)))


def to_official_latin(text: str) -> str:
    """Cyrillic Kazakh in the official 2021 Latin alphabet (for tests and display)."""
    out = []
    for ch in text:
        low = ch.lower()
        latin = OFFICIAL_2021.get(low, ch)
        if ch != low:  # capitals: dotted İ for и/й, plain I for і (the 2021 pair ı/I)
            latin = "İ" if latin == "i" else latin.upper()
        out.append(latin)
    return "".join(out)
