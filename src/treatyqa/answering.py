"""From ranked clauses to an answer: citations, both texts, the highlighted sentence, the message."""

from __future__ import annotations

from haystack import Document

from treatyqa.domain import LANGUAGES, Agreement, Answer, Citation, Clause, Hit
from treatyqa.lexical import terms
from treatyqa.normalization import NormalizedQuery

MESSAGES = {
    "answered": {
        "kk": "Келісімнің тиісті тармақтары:",
        "ru": "Соответствующие положения Соглашения:",
    },
    "abstained": {
        "kk": "Келісімде бұл сұраққа жауап жоқ сияқты. Төменде ең жақын тармақтар берілген.",
        "ru": "Похоже, Соглашение не отвечает на этот вопрос. Ниже приведены наиболее близкие положения.",
    },
    "other_language": {
        "kk": "Сұрақ қазақ немесе орыс тілінде емес сияқты (анықталған тіл: {lang}); нәтижелер орыс тіліндегі белгілермен берілді.",
        "ru": "Вопрос, похоже, не на казахском и не на русском языке (определен язык: {lang}); результаты даны с русскими обозначениями.",
    },
}


def _segment_index(clause: Clause, question_terms: set[str], lang: str) -> int:
    """The segment sharing the most question terms (ties: the earlier one)."""
    best, best_score = 0, -1.0
    for i, seg in enumerate(clause.segments()):
        seg_terms = set(terms(seg, lang))
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
    out = {}
    for code, clause in clauses.items():
        segments = clause.segments()
        # sentences align across languages when their counts agree; otherwise match by terms
        if len(segments) == len(clauses[ask_lang].segments()):
            out[code] = segments[index]
        else:
            out[code] = segments[_segment_index(clause, set(terms(question, code)), code)]
    return out


def build_answer(
    question: str,
    query: NormalizedQuery,
    ranked: list[Document],
    agreement: Agreement,
    top_k: int,
    abstained: bool,
) -> Answer:
    """``question`` as the user typed it; ``query`` as it was read (its words pick the
    highlighted sentence; its language, the labels and the message)."""
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
            )
        )
    key = "abstained" if abstained else "answered"
    message = MESSAGES[key][label_lang]
    if lang not in LANGUAGES:
        message = MESSAGES["other_language"][label_lang].format(lang=lang) + " " + message
    return Answer(
        question=question, language=lang, abstained=abstained, message=message, hits=tuple(hits), read_as=query.to_dict()
    )
