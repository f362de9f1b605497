"""From ranked clauses to an answer: citations, both texts, the highlighted sentence, the message."""

from __future__ import annotations

from functools import lru_cache

from haystack import Document

from treatyqa.domain import LANGUAGES, Agreement, Answer, Citation, Clause, Hit, answer_language
from treatyqa.language import UNDETERMINED
from treatyqa.lexical import terms
from treatyqa.normalization import NormalizedQuery

MESSAGES = {
    "answered": {
        "kk": "Келісімнің тиісті тармақтары:",
        "ru": "Соответствующие положения Соглашения:",
    },
    "abstained": {
        "kk": "Келісімде бұл сұраққа жауап жоқ сияқты.",
        "ru": "По-видимому, в Соглашении нет ответа на этот вопрос.",
    },
    "nearest": {
        "kk": "Төменде мағынасы жағынан ең жақын тармақтар келтірілген.",
        "ru": "Ниже приведены наиболее близкие по смыслу положения.",
    },
    "no_article": {
        "kk": "Келісімде {article}-бап жоқ: оның соңғы бабы — {last}-бап.",
        "ru": "В Соглашении нет статьи {article}: оно содержит статьи с 1 по {last}.",
    },
    "no_paragraph": {
        "kk": "Келісімнің {article}-бабында {paragraph}-тармақ жоқ.",
        "ru": "В статье {article} Соглашения нет пункта {paragraph}.",
    },
    "other_language": {
        "kk": "Сұрақ қазақ немесе орыс тілінде емес сияқты (анықталған тіл: {lang}); нәтижелер орыс тіліндегі белгілермен берілді.",
        "ru": "Вопрос, похоже, не на казахском и не на русском языке (определен язык: {lang}); результаты даны с русскими обозначениями.",
    },
}


@lru_cache(maxsize=4096)
def _segment_terms(segment: str, lang: str) -> frozenset[str]:
    """The agreement's segments are few and fixed: stem each once, not at every question."""
    return frozenset(terms(segment, lang))


def _segment_index(clause: Clause, question_terms: set[str], lang: str) -> int:
    """The segment sharing the most question terms (ties: the earlier one)."""
    best, best_score = 0, -1.0
    for i, seg in enumerate(clause.segments()):
        seg_terms = _segment_terms(seg, lang)
        score = len(seg_terms & question_terms) / (1 + 0.02 * len(seg_terms))
        if score > best_score:
            best, best_score = i, score
    return best


def _highlights(clauses: dict[str, Clause], citation: Citation, question: str, lang: str) -> dict[str, str]:
    """The best-matching list item or sentence, in each language."""
    if citation.item is not None:
        return {code: c.items[citation.item - 1] for code, c in clauses.items()}
    ask_lang = lang if lang in clauses else "ru"
    index = _segment_index(clauses[ask_lang], set(terms(question, ask_lang)), ask_lang)
    asked = clauses[ask_lang].segments()
    out = {}
    for code, clause in clauses.items():
        segments = clause.segments()
        # sentences align across languages when their counts agree; otherwise by position
        # (6.3: one Kazakh sentence, where the full stop is missing, is two Russian ones)
        if len(segments) == len(asked):
            out[code] = segments[index]
        else:
            chosen = [segments[i] for i in _overlapping(asked, index, segments)]
            start = clause.text.find(chosen[0])
            end = clause.text.find(chosen[-1], max(start, 0)) + len(chosen[-1])
            # the span of the text itself (it may run over a line break), not a re-joined copy
            out[code] = clause.text[start:end] if 0 <= start < end else " ".join(chosen)
    return out


def _spans(segments: tuple[str, ...]) -> list[tuple[float, float]]:
    """Each segment's share of the clause as ``(start, end)`` in 0..1, by characters."""
    total = sum(len(s) for s in segments) or 1
    spans, at = [], 0
    for seg in segments:
        spans.append((at / total, (at + len(seg)) / total))
        at += len(seg)
    return spans


def _overlapping(asked: tuple[str, ...], index: int, other: tuple[str, ...]) -> list[int]:
    """The segments of ``other`` that lie mostly inside ``asked[index]`` (at least the one that overlaps most)."""
    a, b = _spans(asked)[index]
    overlaps = [max(0.0, min(b, end) - max(a, start)) / ((end - start) or 1) for start, end in _spans(other)]
    inside = [i for i, share in enumerate(overlaps) if share >= 0.5]
    return inside or [max(range(len(other)), key=overlaps.__getitem__)]


def not_in_agreement(citation: Citation, agreement: Agreement, lang: str) -> str:
    """The sentence that says a typed citation names nothing in the agreement.

    >>> from treatyqa.corpus import load_agreement
    >>> not_in_agreement(Citation(16), load_agreement(), "ru")
    'В Соглашении нет статьи 16: оно содержит статьи с 1 по 15.'
    """
    lang = answer_language(lang)
    numbers = {a.number for a in agreement[lang].articles}
    if citation.article in numbers and citation.paragraph is not None:
        return MESSAGES["no_paragraph"][lang].format(article=citation.article, paragraph=citation.paragraph)
    return MESSAGES["no_article"][lang].format(article=citation.article, last=max(numbers))


def build_answer(
    question: str,
    query: NormalizedQuery,
    ranked: list[Document],
    agreement: Agreement,
    top_k: int,
    abstained: bool,
    missing: tuple[Citation, ...] = (),
) -> Answer:
    """``question`` as the user typed it; ``query`` as it was read (its words pick the
    highlighted sentence; its language, the labels and the message); ``missing``, the typed
    citations that the agreement lacks, said first."""
    lang = query.language.lang
    label_lang = query.language.label_lang
    hits = []
    for doc in ranked[:top_k]:
        citation = Citation(doc.meta["article"], doc.meta["paragraph"], doc.meta.get("item"))
        clauses = agreement.bilingual(citation)
        highlight = _highlights(clauses, citation, query.text, label_lang)
        hits.append(
            Hit(
                citation=citation,
                label=citation.clause.label(label_lang),  # the item is a field, not part of the citation
                title={code: agreement[code].title_of(citation.article) for code in LANGUAGES},
                text={code: clauses[code].text for code in LANGUAGES},
                highlight=highlight[label_lang],
                score=float(doc.score or 0.0),
                status={code: agreement.provenance[code].status for code in LANGUAGES},
                highlight_text=highlight,
                note=agreement.notes.get(citation.clause),
            )
        )
    sentences = [not_in_agreement(c, agreement, label_lang) for c in missing]
    if lang not in LANGUAGES and lang != UNDETERMINED:
        sentences.insert(0, MESSAGES["other_language"][label_lang].format(lang=lang))
    if not abstained:
        sentences.append(MESSAGES["answered"][label_lang])
    elif hits:
        sentences += [MESSAGES["abstained"][label_lang], MESSAGES["nearest"][label_lang]]
    elif not missing:  # nothing to show; a missing citation has said why
        sentences.append(MESSAGES["abstained"][label_lang])
    return Answer(
        question=question,
        language=lang,
        abstained=abstained,
        message=" ".join(sentences),
        hits=tuple(hits),
        read_as=query.to_dict(),
        not_in_agreement=tuple(missing),
    )
