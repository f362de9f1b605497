"""Whether the agreement answers a question at all: two features and a linear rule per language.

- ``offtopic_gap``: how much closer the question lies to the out-of-scope staff questions in
  the index than to the agreement (dense similarity, mean of the three nearest of each);
- ``unknown_share``: the share of the question's words known nowhere in what the
  index knows the agreement to answer (its text and the questions written for its clauses).

The rule abstains when ``w_gap * gap + w_unknown * unknown + bias > 0``. ``python -m
eval.tune`` fits the weights on the index's own questions (each held out from its own
neighbours) and places the threshold on the development gold set; they are stored in
``treatyqa/calibration.json``.

>>> rule = Abstention({"ru": LanguageRule(offtopic_gap=40.0, unknown_share=4.0, bias=-1.0)})
>>> rule.abstain(AbstentionFeatures(offtopic_gap=0.02, unknown_share=0.5), "ru")
True
>>> rule.abstain(AbstentionFeatures(offtopic_gap=-0.05, unknown_share=0.0), "ru")
False
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from haystack import Document

from treatyqa.domain import LANGUAGES
from treatyqa.lexicon import ANSWERING_LEVELS
from treatyqa.lexical import STOPWORDS, content_words, stem_words
from treatyqa.normalization import NormalizedQuery
from treatyqa.russian_words import russian_lemmas

NEIGHBOURS = 3  # one lucky out-of-scope neighbour should not decide alone
CLAUSE_LEVELS = ("clause", "item", "question")


@dataclass(frozen=True)
class AbstentionFeatures:
    offtopic_gap: float
    unknown_share: float


@dataclass(frozen=True)
class LanguageRule:
    offtopic_gap: float
    unknown_share: float
    bias: float

    def score(self, features: AbstentionFeatures) -> float:
        return self.offtopic_gap * features.offtopic_gap + self.unknown_share * features.unknown_share + self.bias


# Until calibrated: the question is nearer to out-of-scope questions than to any clause.
DEFAULT_RULE = LanguageRule(offtopic_gap=1.0, unknown_share=0.0, bias=0.0)


@dataclass(frozen=True)
class Abstention:
    rules: dict[str, LanguageRule] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict) -> Abstention:
        return cls({lang: LanguageRule(**rule) for lang, rule in data.get("rules", {}).items()})

    def rule(self, lang: str) -> LanguageRule:
        return self.rules.get(lang) or self.rules.get("ru") or DEFAULT_RULE

    def abstain(self, features: AbstentionFeatures | None, lang: str) -> bool:
        """``features`` is None when there was no dense evidence (lexical-only retrieval)."""
        return features is not None and self.rule(lang).score(features) > 0

    def judge(
        self, query: NormalizedQuery, gap: float | None, vocabulary: Vocabulary, cited: bool = False
    ) -> tuple[AbstentionFeatures | None, bool]:
        """The features of a question as read and whether to abstain on it. A typed citation
        (``cited``) is a look-up, not a question: no rule judges it."""
        features = None if cited else question_features(query, gap, vocabulary)
        return features, self.abstain(features, query.language.label_lang)


def question_features(query: NormalizedQuery, gap: float | None, vocabulary: Vocabulary) -> AbstentionFeatures | None:
    """The features of a question as it was read; None without dense evidence (lexical-only
    retrieval): nothing to judge by. Every word of a question in a third language is
    unknown to the kk/ru vocabulary, which says nothing about the agreement, so only the
    dense gap decides there."""
    if gap is None:
        return None
    detection = query.language
    in_scope = detection.lang in LANGUAGES or detection.mixed
    unknown = vocabulary.unknown_share(query.text, detection.search_langs) if in_scope else 0.0
    return AbstentionFeatures(gap, unknown)


def offtopic_gap(dense: list[Document], k: int = NEIGHBOURS) -> float | None:
    """Mean similarity of the ``k`` nearest out-of-scope questions minus that of the ``k``
    nearest clause-level documents; a neighbour missing from the candidates counts at the
    weakest candidate's score (it is no nearer than that). None without candidates."""
    if not dense:
        return None
    floor = min(d.score or 0.0 for d in dense)

    def nearest(levels: tuple[str, ...]) -> float:
        scores = sorted((d.score or 0.0 for d in dense if d.meta.get("level") in levels), reverse=True)[:k]
        return sum(scores + [floor] * (k - len(scores))) / k

    return nearest(("offtopic",)) - nearest(CLAUSE_LEVELS)


def word_keys(word: str, lang: str) -> frozenset[str]:
    """What a word is known by: its lexical stem (the Kazakh prefix, the Russian Snowball
    stem), and for Russian also its dictionary lemmas: the agreement has «несут», a question
    «несет», and Snowball leaves the two apart."""
    stem = stem_words([word], lang)[0]
    return frozenset({stem}) | (russian_lemmas(word) if lang == "ru" else frozenset())


def _text_keys(text: str, lang: str) -> set[str]:
    return set().union(*(word_keys(w, lang) for w in content_words(text, lang)))


@dataclass(frozen=True)
class Vocabulary:
    """How many answering documents of each language contain each word key (:func:`word_keys`)."""

    counts: dict[str, Counter[str]]

    @classmethod
    def from_documents(cls, documents: Iterable[Document]) -> Vocabulary:
        counts: dict[str, Counter[str]] = {}
        for doc in documents:
            if doc.meta.get("level") in ANSWERING_LEVELS and doc.content:
                lang = doc.meta.get("lang")
                counts.setdefault(lang, Counter()).update(_text_keys(doc.content, lang))
        return cls(counts)

    def unknown_share(self, question: str, lang: str | Sequence[str], held_out: str | None = None) -> float:
        """Share of the question's words that no answering document knows (by any of their
        keys); with several languages (a mixed question), a word is known when it is known in
        any of them. ``held_out``: a document's text whose own words do not count (to score a
        document's question as if it were new)."""
        langs = [lang] if isinstance(lang, str) else list(lang)
        words = {w for w in content_words(question, langs[0]) if not any(w in STOPWORDS[c] for c in langs)}
        if not words:
            return 0.0
        own = {code: _text_keys(held_out, code) if held_out else set() for code in langs}
        counts = {code: self.counts.get(code, Counter()) for code in langs}

        def known(word: str) -> bool:
            return any(
                counts[code][key] - (key in own[code]) > 0 for code in langs for key in word_keys(word, code)
            )

        return sum(1 for w in words if not known(w)) / len(words)
