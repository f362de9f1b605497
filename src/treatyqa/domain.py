"""The agreement's domain objects: citations, clauses, articles, answers.

A citation identity is ``(article, paragraph, item)``: article 0 is the preamble,
``paragraph`` is ``None`` for articles without numbered paragraphs, ``item`` is the
1-based position of a list item inside its paragraph.
"""

from __future__ import annotations

import functools
import re

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from treatyqa.textclean import split_sentences

if TYPE_CHECKING:  # a type only: abstention sits above the domain objects
    from treatyqa.abstention import AbstentionFeatures

LANGUAGES = ("kk", "ru")
# How a question is searched: dense and lexical evidence fused per clause, or one of them alone.
MODES = ("hybrid", "dense", "lexical")
# How many cited clauses one answer may return (the API's, the CLI's and the chat's top_k).
MIN_TOP_K, MAX_TOP_K = 1, 50


def answer_language(lang: str | None) -> str:
    """The language of labels and messages for a question in ``lang``: Kazakh or Russian as
    asked, Russian for any other language (and for none)."""
    return lang if lang in LANGUAGES else "ru"


def check_mode(mode: str) -> str:
    """``mode`` if it is one of :data:`MODES`; else ValueError naming them."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    return mode


def is_top_k(value: object) -> bool:
    """Whether ``value`` is a whole number from :data:`MIN_TOP_K` to :data:`MAX_TOP_K`."""
    return isinstance(value, int) and MIN_TOP_K <= value <= MAX_TOP_K


# what Citation.key() writes, with room for the spaces a hand-typed link may carry
_KEY = re.compile(r"\s*(\d{1,2})(?:\.(\d{0,2}))?(?:\.(\d{1,2}))?\s*")


@functools.total_ordering
@dataclass(frozen=True)
class Citation:
    """Ordered as in the text: an article before its paragraphs, a paragraph before its items
    (``order=True`` would compare None with a number and fail)."""

    article: int
    paragraph: int | None = None
    item: int | None = None

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Citation):
            return NotImplemented
        return self._position() < other._position()

    def _position(self) -> tuple[int, int, int]:
        return self.article, -1 if self.paragraph is None else self.paragraph, -1 if self.item is None else self.item

    @property
    def clause(self) -> Citation:
        """The citation of the whole clause (without the list item)."""
        return Citation(self.article, self.paragraph)

    def label(self, lang: str) -> str:
        """``5-бап, 3-тармақ`` / ``Статья 5, пункт 3``; the preamble is named, not numbered."""
        if lang == "kk":
            if self.article == 0:
                return "Кіріспе"
            text = f"{self.article}-бап"
            if self.paragraph is not None:
                text += f", {self.paragraph}-тармақ"
            if self.item is not None:
                text += f", {self.item}-тармақша"
            return text
        if self.article == 0:
            return "Преамбула"
        text = f"Статья {self.article}"
        if self.paragraph is not None:
            text += f", пункт {self.paragraph}"
        if self.item is not None:
            text += f", подпункт {self.item}"
        return text

    def matches(self, gold: Citation) -> bool:
        """Gold semantics: a gold paragraph of ``None`` accepts any clause of the article."""
        if self.article != gold.article:
            return False
        return gold.paragraph is None or self.paragraph == gold.paragraph

    def key(self) -> str:
        """A stable string id, e.g. ``5.3`` or ``9`` or ``2.1.5``."""
        parts = [str(self.article)]
        if self.paragraph is not None or self.item is not None:
            parts.append("" if self.paragraph is None else str(self.paragraph))
        if self.item is not None:
            parts.append(str(self.item))
        return ".".join(parts)

    def to_dict(self) -> dict[str, int | None]:
        return {"article": self.article, "paragraph": self.paragraph, "item": self.item}

    @classmethod
    def from_key(cls, key: str | None) -> Citation | None:
        """The citation of a :meth:`key` (``5.3``, ``5.3.2``, ``9``), as a link or a corpus file
        names it; None for anything else.

        >>> Citation.from_key(" 5.3 "), Citation.from_key("9..2"), Citation.from_key("5.3; drop")
        (Citation(article=5, paragraph=3, item=None), Citation(article=9, paragraph=None, item=2), None)
        """
        match = _KEY.fullmatch(key or "")
        if not match:
            return None
        article, paragraph, item = match.groups()
        return cls(int(article), int(paragraph) if paragraph else None, int(item) if item else None)


@dataclass(frozen=True)
class Clause:
    """One numbered paragraph (or the body of an article without numbers) in one language."""

    citation: Citation
    lines: tuple[str, ...]  # logical lines, the paragraph number removed
    lead_in: str | None = None  # the line ending in ':' that introduces the list
    items: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def segments(self) -> tuple[str, ...]:
        """The units a highlight can point at: list items and the sentences of other lines."""
        out: list[str] = []
        for line in self.lines:
            if line in self.items:
                out.append(line)
            else:
                out.extend(split_sentences(line))
        return tuple(out)


@dataclass(frozen=True)
class Article:
    number: int
    title: str
    clauses: tuple[Clause, ...]

    @property
    def numbered(self) -> bool:
        return any(c.citation.paragraph is not None for c in self.clauses)

    @property
    def text(self) -> str:
        parts = []
        for clause in self.clauses:
            prefix = "" if clause.citation.paragraph is None else f"{clause.citation.paragraph}. "
            parts.append(prefix + clause.text)
        return "\n".join(parts)


@dataclass(frozen=True)
class AgreementText:
    """The agreement in one language, as parsed from one file."""

    lang: str
    source: str
    title: str
    place_date: str
    note: tuple[str, ...]  # the publisher's editorial note: metadata, not agreement text
    preamble: Clause
    articles: tuple[Article, ...]
    closing: str
    signatures: str

    def article(self, number: int) -> Article:
        for art in self.articles:
            if art.number == number:
                return art
        raise KeyError(f"no article {number}")

    def clauses(self) -> tuple[Clause, ...]:
        return (self.preamble,) + tuple(c for a in self.articles for c in a.clauses)

    def clause(self, citation: Citation) -> Clause:
        for clause in self.clauses():
            if clause.citation == citation.clause:
                return clause
        raise KeyError(f"no clause {citation.key()}")

    def title_of(self, article: int) -> str:
        if article == 0:
            return Citation(0).label(self.lang)
        return self.article(article).title


@dataclass(frozen=True)
class Provenance:
    lang: str
    status: str  # "authentic" or "working_translation"
    description: str
    file: str
    sha256: str

    @property
    def authentic(self) -> bool:
        return self.status == "authentic"


@dataclass(frozen=True)
class TranslatorNote:
    """Where a working translation departs from the literal authentic text, and why."""

    lang: str  # the language of the translation (and of the note)
    note: str
    literal: str  # the authentic text read word for word, in ``lang``

    def to_dict(self) -> dict[str, str]:
        return {"lang": self.lang, "note": self.note, "literal": self.literal}


@dataclass(frozen=True)
class Agreement:
    """Both language versions, aligned clause by clause, with their provenance."""

    texts: dict[str, AgreementText]
    provenance: dict[str, Provenance]
    corpus_hash: str
    notes: dict[Citation, TranslatorNote] = field(default_factory=dict)  # clause -> translator's note

    def __getitem__(self, lang: str) -> AgreementText:
        return self.texts[lang]

    def citations(self) -> tuple[Citation, ...]:
        return tuple(c.citation for c in self.texts["kk"].clauses())

    def bilingual(self, citation: Citation) -> dict[str, Clause]:
        return {lang: text.clause(citation) for lang, text in self.texts.items()}


@dataclass(frozen=True)
class Hit:
    """One cited clause of an answer; ``text``/``title`` carry both languages."""

    citation: Citation
    label: str
    title: dict[str, str]
    text: dict[str, str]
    highlight: str  # the best-matching sentence or list item, in the question's language
    score: float
    status: dict[str, str] = field(default_factory=dict)  # lang -> authentic / working_translation
    highlight_text: dict[str, str] = field(default_factory=dict)  # the highlight in each language
    note: TranslatorNote | None = None  # the translator's note on this clause, if any

    def to_dict(self, lang: str) -> dict[str, Any]:
        return {
            "article": self.citation.article,
            "paragraph": self.citation.paragraph,
            "item": self.citation.item,
            "citation": self.label,
            "citations": {code: self.citation.clause.label(code) for code in LANGUAGES},
            "title": self.title.get(lang, self.title["kk"]),
            "titles": dict(self.title),
            "text": dict(self.text),
            "highlight": self.highlight,
            "highlights": dict(self.highlight_text),
            "status": dict(self.status),
            "score": round(self.score, 6),
            "translator_note": self.note.to_dict() if self.note else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Hit:
        """A hit read back from :meth:`to_dict` (an answer kept in the browser); missing fields
        are empty, a missing ``article`` is a KeyError."""
        note = data.get("translator_note")
        return cls(
            citation=citation_from_dict(data),
            label=str(data.get("citation") or ""),
            title=dict(data.get("titles") or {}),
            text=dict(data.get("text") or {}),
            highlight=str(data.get("highlight") or ""),
            score=float(data.get("score") or 0.0),
            status=dict(data.get("status") or {}),
            highlight_text=dict(data.get("highlights") or {}),
            note=TranslatorNote(note["lang"], note["note"], note["literal"]) if isinstance(note, dict) else None,
        )


@dataclass(frozen=True)
class Answer:
    question: str
    language: str
    abstained: bool
    message: str
    hits: tuple[Hit, ...]
    timings_ms: dict[str, float] = field(default_factory=dict)
    # how the question was read: the text searched for, the language shares, whether mixed,
    # the words restored or corrected (``NormalizedQuery.to_dict``)
    read_as: dict[str, Any] = field(default_factory=dict)
    # what the abstention rule judged by (None without dense evidence); for evaluation
    # reports, not part of the JSON answer
    abstention_features: AbstentionFeatures | None = None
    # citations typed in the question that the agreement lacks (``Статья 16``, ``15.4``)
    not_in_agreement: tuple[Citation, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        lang = answer_language(self.language)
        return {
            "question": self.question,
            "language": self.language,
            "abstained": self.abstained,
            "message": self.message,
            "read_as": dict(self.read_as),
            "not_in_agreement": [c.to_dict() for c in self.not_in_agreement],
            "hits": [h.to_dict(lang) for h in self.hits],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answer:
        """An answer read back from :meth:`to_dict`: the chat's history comes back from the
        browser as JSON."""
        return cls(
            question=str(data.get("question") or ""),
            language=str(data.get("language") or ""),
            abstained=bool(data.get("abstained")),
            message=str(data.get("message") or ""),
            hits=tuple(Hit.from_dict(hit) for hit in data.get("hits") or ()),
            read_as=dict(data.get("read_as") or {}),
            not_in_agreement=tuple(citation_from_dict(c) for c in data.get("not_in_agreement") or ()),
        )


def citation_from_dict(data: dict[str, Any]) -> Citation:
    return Citation(int(data["article"]), data.get("paragraph"), data.get("item"))


__all__ = [
    "LANGUAGES",
    "MAX_TOP_K",
    "MIN_TOP_K",
    "MODES",
    "Agreement",
    "AgreementText",
    "Answer",
    "Article",
    "Citation",
    "Clause",
    "Hit",
    "TranslatorNote",
    "Provenance",
    "answer_language",
    "check_mode",
    "citation_from_dict",
    "is_top_k",
]
