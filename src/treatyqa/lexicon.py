"""The words the index knows, per language, and how a typed word is matched to one of them.

Built from the answering documents of the index (the agreement's text in both languages and
the questions written for its clauses). It answers, for a typed word:

- is it a known Kazakh or Russian word (exactly, by its Russian stem, or as a stop word);
- which Kazakh word it is when typed on a Russian keyboard or in Latin script: the folded
  key (``treatyqa.script.fold``) of a known word, or of its longest known stem, with the
  Kazakh letters of the ending restored by vowel harmony;
- which known word it is when mistyped: the nearest by edit distance (RapidFuzz's OSA: two
  swapped letters are one slip, not two edits), one edit for words of 5-7 letters, two
  from 8, none for shorter words, where one wrong letter can make another word; a word of
  the Russian dictionary (``treatyqa.russian_words``) is not taken for a typo.

>>> lexicon = Lexicon.from_texts({"kk": ["Сұрау салушы Тарап шығыстарды көтереді"], "ru": ["Расходы несет запрашивающая Сторона"]})
>>> lexicon.match("сурау").word, lexicon.match("сурау").lang
('сұрау', 'kk')
>>> lexicon.match("расхды").word
'расходы'
>>> lexicon.match("shygystardy", latin=True).word
'шығыстарды'
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

from rapidfuzz import process
from rapidfuzz.distance import OSA

from treatyqa.domain import LANGUAGES
from treatyqa.lexical import STOPWORDS, russian_stem
from treatyqa.russian_words import is_russian_word
from treatyqa.script import KAZAKH_LETTERS, fold, latin_keys

# An apostrophe belongs to the word: the 2017 Latin alphabet writes ң as n', у as y'.
WORD = re.compile(r"[^\W\d_]+(?:['’ʼ`´‘][^\W\d_]*)*", re.UNICODE)
ANSWERING_LEVELS = ("article", "clause", "item", "question")
RUSSIAN_CONTEXT_STEM = 6
MIN_STEM = 4  # the length of the Kazakh lexical stem (treatyqa.lexical.KK_PREFIX)
FRONT_VOWELS = set("әөүіе")
BACK_VOWELS = set("аоұы")


@dataclass(frozen=True)
class WordMatch:
    """What a typed word was taken for. ``how``: exact, stem, stop, fold, prefix, fuzzy,
    dictionary (a Russian word the agreement does not use: evidence of the language, kept
    as typed), or unknown (then ``word`` is the input and ``lang`` None)."""

    typed: str
    word: str
    lang: str | None
    how: str

    @property
    def known(self) -> bool:
        return self.lang is not None


def max_edits(word: str, lang: str = "kk", keyboard: bool = False) -> int:
    """Russian inflects into many forms the agreement never uses (положена, признании): one
    edit would already take them for another word, so Russian allows fewer. So does Kazakh
    typed on a Kazakh ``keyboard``: its letters are as meant, and a word the agreement does
    not use (кетсе, жалтарып) lies an edit or two from one it does (келсе, қайтарып)."""
    if lang == "ru" or keyboard:
        return 0 if len(word) < 6 - (lang == "ru") else 1 if len(word) < 10 else 2
    return 0 if len(word) < 5 else 1 if len(word) < 8 else 2


# Kazakh endings staff put on Russian terms (запросқа, расходтарын, отказты), folded
KAZAKH_ENDINGS = re.compile(
    r"(?:тар|тер|лар|лер|дар|дер|ын|ин|ны|ни|ды|ди|ты|ти|на|не|да|де|та|те|га|ге|ка|ке|ги|ки"
    r"|дан|ден|тан|тен|нан|нен|нин|дин|тин|син|си|мен|пен|бен|и)+"
)


def _harmonise(stem: str, tail: str) -> str:
    """The Kazakh letters of a folded ending, by the vowel harmony of the restored stem."""
    vowels = [ch for ch in stem if ch in FRONT_VOWELS | BACK_VOWELS]
    front = bool(vowels) and vowels[-1] in FRONT_VOWELS
    out = []
    for i, ch in enumerate(tail):
        nxt = tail[i + 1] if i + 1 < len(tail) else ""
        if ch == "и":
            ch = "і" if front else "ы"
        elif ch == "у" and front:
            ch = "ү"
        elif ch == "о" and front:
            ch = "ө"
        elif ch == "г" and not front and nxt in "аи":
            ch = "ғ"
        elif ch == "к" and not front and nxt in "аи":
            ch = "қ"
        elif ch == "н" and not nxt and i > 0 and tail[i - 1] in "иы":  # -ның/-дың/-тың, -ың
            ch = "ң"
        out.append(ch)
    return "".join(out)


@dataclass(frozen=True)
class Lexicon:
    """Surface word counts per language; everything else is derived on first use."""

    counts: Mapping[str, Counter[str]]

    @classmethod
    def from_texts(cls, texts: Mapping[str, Iterable[str]]) -> Lexicon:
        counts: dict[str, Counter[str]] = {lang: Counter() for lang in LANGUAGES}
        for lang, items in texts.items():
            for text in items:
                counts.setdefault(lang, Counter()).update(w.lower().replace("ё", "е") for w in WORD.findall(text))
        return cls(counts)

    @classmethod
    def from_documents(cls, documents: Iterable) -> Lexicon:
        """From the answering Haystack documents of an index (the agreement's text and the
        questions written for its clauses); out-of-scope questions are no vocabulary."""
        texts: dict[str, list[str]] = {}
        for doc in documents:
            if doc.meta.get("level") in ANSWERING_LEVELS and doc.content:
                texts.setdefault(doc.meta.get("lang"), []).append(doc.content)
        return cls.from_texts(texts)

    def to_dict(self) -> dict[str, dict[str, int]]:
        return {lang: dict(c) for lang, c in self.counts.items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Mapping[str, int]]) -> Lexicon:
        return cls({lang: Counter(words) for lang, words in data.items()})

    # ------------------------------------------------------------------ derived tables
    @cached_property
    def _ru_stems(self) -> frozenset[str]:
        return frozenset(russian_stem(w) for w in self.counts.get("ru", ()))

    @cached_property
    def _kk_folded(self) -> dict[str, str]:
        """Folded key -> the most frequent Kazakh word with that key."""
        best: dict[str, str] = {}
        for word, _ in self.counts.get("kk", Counter()).most_common():
            best.setdefault(fold(word), word)
        for word in STOPWORDS["kk"]:
            best.setdefault(fold(word), word)
        return best

    @cached_property
    def _kk_prefixes(self) -> dict[str, str]:
        """Folded beginning (4-12 letters) -> the Kazakh spelling of that beginning."""
        out: dict[str, str] = {}
        for word, _ in self.counts.get("kk", Counter()).most_common():
            key = fold(word)
            if len(key) != len(word):  # ъ/ь dropped: positions no longer line up
                continue
            for n in range(MIN_STEM, min(len(word), 12) + 1):
                out.setdefault(key[:n], word[:n])
        return out

    @cached_property
    def _ru_by_stem(self) -> dict[str, str]:
        """Russian stem -> the most frequent word with that stem."""
        best: dict[str, str] = {}
        for word, _ in self.counts.get("ru", Counter()).most_common():
            best.setdefault(russian_stem(word), word)
        return best

    @cached_property
    def _choices(self) -> dict[str, list[str]]:
        return {"kk": list(self._kk_folded), "ru": list(self.counts.get("ru", ()))}

    # ------------------------------------------------------------------ look-ups
    def known_in(self, word: str, lang: str) -> bool:
        """Exactly known in ``lang`` (the word, a stop word, or for Russian its stem)."""
        word = word.lower().replace("ё", "е")
        if word in self.counts.get(lang, ()) or word in STOPWORDS.get(lang, ()):
            return True
        return lang == "ru" and not KAZAKH_LETTERS & set(word) and russian_stem(word) in self._ru_stems

    def _kazakh(self, key: str, typed: str, shortest: int = MIN_STEM, keyboard: bool = False) -> tuple[str, str] | None:
        if key in self._kk_folded:
            return self._kk_folded[key], "fold"
        aligned = len(typed) == len(key)  # no ъ/ь dropped by folding
        for n in range(min(len(key), 12), shortest - 1, -1):
            stem = self._kk_prefixes.get(key[:n])
            if stem is None:
                continue
            if keyboard and aligned:
                # a Kazakh keyboard: the ending is as typed (-сын is not -сың); letters are
                # restored only from a beginning long enough not to be another word's
                if stem != typed[:n] and n < RUSSIAN_CONTEXT_STEM:
                    continue
                return stem + typed[n:], "prefix"
            # an ending typed with Kazakh letters is kept; a folded one is harmonised
            own = aligned and bool(KAZAKH_LETTERS & set(typed[n:]))
            return stem + (typed[n:] if own else _harmonise(stem, key[n:])), "prefix"
        return None

    def _shared_kazakh(self, key: str) -> int:
        """How many leading letters ``key`` shares with a known Kazakh word."""
        return next((n for n in range(min(len(key), 12), MIN_STEM - 1, -1) if key[:n] in self._kk_prefixes), 0)

    def _russian_inside(self, word: str) -> tuple[str, str] | None:
        """A known Russian word that ``word`` begins with (staff put Kazakh endings on
        Russian terms): (that word, the beginning it was found in), or None."""
        if KAZAKH_LETTERS & set(word[:MIN_STEM + 1]):
            return None
        for n in range(len(word) - 1, MIN_STEM, -1):
            if not KAZAKH_ENDINGS.fullmatch(fold(word[n:])):  # a Russian ending: a Russian word
                continue
            known = self._ru_by_stem.get(russian_stem(word[:n]))
            if known is not None and known[:MIN_STEM] == word[:MIN_STEM]:
                return known, word[:n]
        return None

    def _nearest(self, key: str, lang: str, keyboard: bool = False) -> tuple[str, int] | None:
        limit = max_edits(key, lang, keyboard)
        if not limit:
            return None
        found = process.extractOne(key, self._choices[lang], scorer=OSA.distance, score_cutoff=limit)
        return (found[0], int(found[1])) if found else None

    def match(self, typed: str, latin: bool = False, prefer: str | None = None, keyboard: bool = False) -> WordMatch:
        """The known word ``typed`` stands for; ``latin``: typed in Latin script (Kazakh);
        ``prefer``: the language that wins when both match equally well; ``keyboard``: the
        question shows a Kazakh keyboard (Kazakh letters elsewhere), so that its words are
        taken nearer to how they are typed."""
        low = typed.lower().replace("ё", "е")
        if not latin:
            order = (prefer, *LANGUAGES) if prefer in LANGUAGES else LANGUAGES
            for lang in order:
                if self.known_in(low, lang):
                    how = "stop" if low in STOPWORDS[lang] else "exact" if low in self.counts.get(lang, ()) else "stem"
                    return WordMatch(typed, low, lang, how)
        keys = latin_keys(low) if latin else [fold(low)]
        # in a Russian question, a shared 4-letter beginning (контактного ~ контрабанда) is chance
        shortest = RUSSIAN_CONTEXT_STEM if prefer == "ru" and not KAZAKH_LETTERS & set(low) else MIN_STEM
        keyboard = keyboard and not latin
        found = [f for key in keys if (f := self._kazakh(key, low, shortest, keyboard))]
        kk_counts = self.counts.get("kk", Counter())
        if found:  # a whole known word before a known beginning; then the commoner word
            word, how = min(found, key=lambda f: (f[1] != "fold", -kk_counts[f[0]]))
            russian = None if latin or how == "fold" else self._russian_inside(low)
            if russian is None or len(russian[1]) <= self._shared_kazakh(keys[0]):
                return WordMatch(typed, word, "kk", how)
        russian = None if latin else self._russian_inside(low)
        if russian is not None:  # "расходтарын", "запросқа": a Russian word, Kazakh endings
            return WordMatch(typed, russian[0], "ru", "prefix")
        # a word of the Russian dictionary is no typo: Russian, as typed (in a Kazakh question
        # it may still be a mistyped Kazakh word)
        russian_letters = not latin and not KAZAKH_LETTERS & set(low)
        russian_word = russian_letters and is_russian_word(low)
        if russian_word and prefer != "kk":
            return WordMatch(typed, low, "ru", "dictionary")
        # typos: the nearest known word, Kazakh by its folded key, Russian as typed
        candidates = []
        for key in keys:
            kk = self._nearest(key, "kk", keyboard)
            if kk:
                candidates.append((kk[1], prefer != "kk", self._kk_folded[kk[0]], "kk"))
        if russian_letters and not russian_word:
            ru = self._nearest(low, "ru")
            if ru:
                candidates.append((ru[1], prefer != "ru", ru[0], "ru"))
        if candidates:
            _, _, word, lang = min(candidates)
            return WordMatch(typed, word, lang, "fuzzy")
        if russian_word:
            return WordMatch(typed, low, "ru", "dictionary")
        return WordMatch(typed, typed, None, "unknown")
