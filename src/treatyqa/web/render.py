"""Answers, articles, the conversation and search results as safe HTML for the chat.

The markup lives in Jinja2 templates (``templates/``) with autoescape on: every value put
into them is escaped, and control characters become U+FFFD. Clause text is the one piece
built here (:func:`render_clause`): each run of text is escaped, then wrapped in the
``<mark>`` of the best-matching sentence, the ``<mark class="tq-find">`` of a filter's
words, or the ``<a class="tq-xref">`` of a reference to another article or paragraph.

The input is typed: the parser's :class:`~treatyqa.domain.Clause` (its lead-in and list
items as parsed) and the :class:`~treatyqa.domain.Answer` every other interface returns
as JSON. The chat's history comes back from the browser as that JSON, and is read back into
an ``Answer`` in one place (:func:`render_conversation`).
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from treatyqa.answering import not_in_agreement
from treatyqa.domain import LANGUAGES, Agreement, Answer, Citation, Clause, Hit
from treatyqa.web.i18n import normalise_lang, t

logger = logging.getLogger(__name__)

# C0/C1 control characters except tab and newline; shown as U+FFFD, never passed through.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]")
QUESTION_DISPLAY_CHARS = 600
COMMENT_MAX_CHARS = 1000


def esc(text: object) -> str:
    """Escape for HTML text and attribute values; control characters become U+FFFD."""
    return html.escape(_CONTROL.sub("\ufffd", str(text)), quote=True)


def _finalize(value: object) -> object:
    """Every ``{{ value }}`` of a template: control characters out (Markup is already clean)."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return _CONTROL.sub("\ufffd", value)
    return "" if value is None else value


@lru_cache(maxsize=1)
def _env() -> Environment:
    return Environment(
        loader=PackageLoader("treatyqa.web", "templates"),
        autoescape=True,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
    )


def _render(name: str, ui_lang: str, **context: Any) -> str:
    ui = normalise_lang(ui_lang)
    return _env().get_template(name).render(ui=ui, t=lambda key, **f: t(key, ui, **f), **context).strip()


def _other(lang: str) -> str:
    return "ru" if lang == "kk" else "kk"


def _answer_lang(answer: Answer, default: str) -> str:
    return answer.language if answer.language in LANGUAGES else default


# ---------------------------------------------------------------- questions and errors


def shorten(question: str, max_chars: int = QUESTION_DISPLAY_CHARS) -> str:
    return question if len(question) <= max_chars else question[:max_chars] + " …"


def render_question(question: str, max_chars: int = QUESTION_DISPLAY_CHARS) -> str:
    """The user's question as inert text (long input is shortened for display only)."""
    return f'<div class="tq-question">{esc(shorten(question, max_chars))}</div>'


def render_error(message: str) -> str:
    return f'<div class="tq-error" role="alert">{esc(message)}</div>'


# ---------------------------------------------------------------- clause text: marks and links

# References inside the text: "статьи 2 настоящего Соглашения", "осы Келісімнің 2-бабында",
# "пунктов 1 и 2 настоящей статьи", "осы баптың 1 және 2-тармақтарының".
_NUM_LIST = r"\d+(?:\s*(?:,|и|және)\s*\d+)*"
_REFERENCES = (
    ("article", re.compile(r"(?:стать[а-яё]*)\s+(" + _NUM_LIST + r")(?=\s+настоящего Соглашения)", re.I)),
    ("paragraph", re.compile(r"(?:пункт[а-яё]*)\s+(" + _NUM_LIST + r")(?=\s+настоящей статьи)", re.I)),
    ("article", re.compile(r"(?<=Келісімнің\s)(" + _NUM_LIST + r")-баб")),
    ("paragraph", re.compile(r"(?<=осы баптың\s)(" + _NUM_LIST + r")-тармақ")),
)


@dataclass(frozen=True)
class Link:
    start: int
    end: int
    key: str  # what ``?clause=`` / ``?article=`` opens: "2" or "6.1"
    kind: str  # "article" or "clause"


def reference_links(line: str, article: int | None) -> list[Link]:
    """The numbers in ``line`` that refer to an article, or to a paragraph of ``article``."""
    links: list[Link] = []
    for kind, pattern in _REFERENCES:
        for match in pattern.finditer(line):
            if kind == "paragraph" and article is None:
                continue
            group_start = match.start(1)
            for number in re.finditer(r"\d+", match.group(1)):
                a, b = group_start + number.start(), group_start + number.end()
                if kind == "article":
                    links.append(Link(a, b, number.group(0), "article"))
                else:
                    links.append(Link(a, b, f"{article}.{number.group(0)}", "clause"))
    return sorted(links, key=lambda link: link.start)


def _find(line: str, needle: str) -> tuple[int, int] | None:
    """Where ``needle`` is in ``line``: exactly, or ignoring differences in white space."""
    if not needle:
        return None
    start = line.find(needle)
    if start >= 0:
        return start, start + len(needle)
    words = [re.escape(w) for w in needle.split()]
    if not words:
        return None
    match = re.search(r"\s+".join(words), line)
    return (match.start(), match.end()) if match else None


def find_words(query: str) -> list[str]:
    """The words a filter looks for (two letters or more), in order, without repeats."""
    words = [w for w in re.findall(r"\w[\w-]*", query) if len(w) >= 2]
    return list(dict.fromkeys(w.casefold() for w in words))


def _word_pattern(word: str) -> re.Pattern[str]:
    """A word and its inflected forms: a long word's last two letters may differ
    (``расходы`` finds ``расходов``, ``шығыстар`` finds ``шығыстарды``)."""
    stem = word if len(word) <= 5 else word[:-2]
    return re.compile(r"(?<!\w)" + re.escape(stem) + r"[\w-]*", re.IGNORECASE)


def _find_spans(line: str, words: Sequence[str]) -> list[tuple[int, int]]:
    spans = sorted((m.start(), m.end()) for w in words for m in _word_pattern(w).finditer(line))
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def decorate(line: str, marks: Sequence[tuple[int, int, str]] = (), links: Sequence[Link] = ()) -> Markup:
    """``line`` escaped, with ``marks`` (start, end, css class) and ``links`` around its runs.

    Marks do not overlap each other; a link that crosses a mark's edge is split there, so
    the output always nests properly.
    """
    cuts = {0, len(line)}
    for a, b, _ in marks:
        cuts.update((a, b))
    for link in links:
        cuts.update((link.start, link.end))
    points = sorted(c for c in cuts if 0 <= c <= len(line))
    out: list[str] = []
    open_mark: str | None = None
    for a, b in zip(points, points[1:]):
        mark = next((css for s, e, css in marks if s <= a and b <= e), None)
        if mark != open_mark:
            if open_mark is not None:
                out.append("</mark>")
            if mark is not None:
                out.append("<mark>" if mark == "tq-best" else f'<mark class="{esc(mark)}">')
            open_mark = mark
        piece = esc(line[a:b])
        link = next((ln for ln in links if ln.start <= a and b <= ln.end), None)
        if link is not None:
            param = "article" if link.kind == "article" else "clause"
            piece = (
                f'<a class="tq-xref" href="?{param}={esc(link.key)}" '
                f'data-tq-nav="{param}:{esc(link.key)}">{piece}</a>'
            )
        out.append(piece)
    if open_mark is not None:
        out.append("</mark>")
    return Markup("".join(out))


def _line(line: str, highlight: str | None, words: Sequence[str], article: int | None) -> tuple[Markup, bool]:
    """One line: the highlight (a sentence of it, or all of it) marked, found words, links."""
    marks: list[tuple[int, int, str]] = []
    hit = False
    if highlight:
        span = _find(line, highlight.strip())
        stripped = line.strip()
        if span is None and len(stripped) > 3 and stripped in highlight:
            span = (0, len(line))  # the highlight spans several lines: mark each whole line
        if span is not None:
            marks.append((*span, "tq-best"))
            hit = True
    if words and not marks:
        marks.extend((a, b, "tq-find") for a, b in _find_spans(line, words))
    return decorate(line, marks, reference_links(line, article)), hit


def render_clause(clause: Clause, highlight: str | None = None, item: int | None = None, find: Sequence[str] = ()) -> Markup:
    """A clause as the parser structured it: its lines, the lead-in and the bulleted list, the
    best match marked; references to its article's paragraphs are links.

    ``item`` (1-based) marks that list item when the highlight is not found in the text;
    ``find`` marks those words.
    """
    article = clause.citation.article
    parts: list[str] = []
    marked = False

    def line(value: str) -> Markup:
        nonlocal marked
        body, hit = _line(value, None if marked else highlight, find, article)
        marked = marked or hit
        return body

    lead_at = clause.lines.index(clause.lead_in) if clause.lead_in is not None else len(clause.lines)
    after = lead_at + 1 + len(clause.items) if clause.lead_in is not None else len(clause.lines)
    for value in clause.lines[:lead_at]:
        parts.append(f"<p>{line(value)}</p>")
    if clause.lead_in is not None:
        parts.append(f'<p class="tq-lead">{line(clause.lead_in)}</p>')
        lis = [line(value) for value in clause.items]
        if not marked and item is not None and 1 <= item <= len(lis):
            chosen = clause.items[item - 1]
            lis[item - 1] = Markup(f"<mark>{decorate(chosen, (), reference_links(chosen, article))}</mark>")
        parts.append("<ul>" + "".join(f"<li>{li}</li>" for li in lis) + "</ul>")
    for value in clause.lines[after:]:  # text after the list (no clause of this agreement has any)
        parts.append(f"<p>{line(value)}</p>")
    return Markup("".join(parts))


def _status_label(status: str | None, ui_lang: str) -> str:
    return t(f"status_{status}", ui_lang) if status in ("authentic", "working_translation") else ""


def _cite_class(citation: Citation) -> str:
    """A class naming the citation (``tq-c-5-3``, ``tq-c-5-3-2``, ``tq-c-9``)."""
    return "tq-c-" + citation.key().replace(".", "-")


# ---------------------------------------------------------------- the header


def provenance_text(agreement: Agreement | None, ui_lang: str) -> str:
    """Which text is authentic and which a working translation, from the corpus manifest."""
    statuses = {lang: p.status for lang, p in (agreement.provenance.items() if agreement else ())}
    key = "both_authentic_note" if statuses and all(s == "authentic" for s in statuses.values()) else "provenance_note"
    return t(key, ui_lang)


def render_header(agreement: Agreement, ui_lang: str) -> str:
    text = agreement[normalise_lang(ui_lang)]
    return _render(
        "header.html",
        ui_lang,
        title=text.title,
        place_date=text.place_date,
        provenance=provenance_text(agreement, ui_lang),
    )


# ---------------------------------------------------------------- articles and the filter


def article_clauses(agreement: Agreement, lang: str, number: int) -> tuple[Clause, ...]:
    text = agreement[lang]
    return (text.preamble,) if number == 0 else text.article(number).clauses


def article_label(number: int, lang: str) -> str:
    """``5-бап`` / ``Статья 5``; the preamble by name."""
    return Citation(number).label(lang)


def article_caption(agreement: Agreement, number: int, lang: str) -> str:
    label = article_label(number, lang)
    return label if number == 0 else f"{label}. {agreement[lang].title_of(number)}"


def article_numbers(agreement: Agreement) -> list[int]:
    return [0] + [a.number for a in agreement["kk"].articles]


def article_choices(agreement: Agreement, ui_lang: str) -> list[tuple[str, int]]:
    """Dropdown choices ``("5-бап. <title>", 5)``, the preamble first."""
    lang = normalise_lang(ui_lang)
    return [(t("preamble", lang) if n == 0 else article_caption(agreement, n, lang), n) for n in article_numbers(agreement)]


def _heads(agreement: Agreement, number: int, ui_lang: str) -> list[dict[str, Any]]:
    heads = []
    for lang in LANGUAGES:
        status = agreement.provenance[lang].status if lang in agreement.provenance else ""
        heads.append(
            {"lang": lang, "status": status, "status_label": _status_label(status, ui_lang),
             "caption": article_caption(agreement, number, lang)}
        )
    return heads


def render_article(
    agreement: Agreement,
    number: int,
    ui_lang: str,
    cited: Citation | None = None,
    highlights: Mapping[str, str] | None = None,
    heading: bool = True,
    message: str | None = None,
) -> str:
    """A whole article, clause by clause, Kazakh and Russian side by side.

    ``cited`` marks that clause (and ``highlights[lang]`` inside it, or its list item):
    the view a user gets from a clause link or from an answer. ``heading`` adds the title
    and the previous/next links.
    """
    ui_lang = normalise_lang(ui_lang)
    per_lang = {lang: article_clauses(agreement, lang, number) for lang in LANGUAGES}
    rows = []
    for index, clause in enumerate(per_lang["kk"]):
        is_cited = cited is not None and clause.citation == cited.clause
        cells = []
        for lang in LANGUAGES:
            other = per_lang[lang][index]
            marks = (highlights or {}).get(lang) if is_cited else None
            item = cited.item if is_cited and cited is not None else None
            note = agreement.notes.get(clause.citation)
            cells.append(
                {
                    "lang": lang,
                    "number": clause.citation.paragraph,
                    "body": render_clause(other, marks, item),
                    "note": note if note and note.lang == lang else None,
                }
            )
        key = clause.citation.key()
        rows.append(
            {"key": key, "anchor": key.replace(".", "-"), "css": _cite_class(clause.citation),
             "cited": is_cited, "cells": cells}
        )
    numbers = article_numbers(agreement)
    at = numbers.index(number)

    def neighbour(i: int) -> dict[str, Any] | None:
        if 0 <= i < len(numbers):
            return {"number": numbers[i], "caption": article_caption(agreement, numbers[i], ui_lang)}
        return None

    return _render(
        "article.html",
        ui_lang,
        number=number,
        heading=heading,
        caption=article_caption(agreement, number, ui_lang),
        prev=neighbour(at - 1),
        next=neighbour(at + 1),
        heads=_heads(agreement, number, ui_lang),
        rows=rows,
        message=message,
        provenance=provenance_text(agreement, ui_lang),
    )


def search_clauses(agreement: Agreement, query: str) -> list[Citation]:
    """Clauses whose Kazakh or Russian text holds every word of ``query`` (case ignored)."""
    words = find_words(query)
    if not words:
        return []
    found = []
    for citation in agreement.citations():
        texts = agreement.bilingual(citation)
        if any(all(_word_pattern(w).search(clause.text) for w in words) for clause in texts.values()):
            found.append(citation)
    return found


def render_search(agreement: Agreement, query: str, ui_lang: str) -> str:
    """Every clause that holds the filter's words, both texts, the words marked in each."""
    ui_lang = normalise_lang(ui_lang)
    words = find_words(query)
    rows = []
    for citation in search_clauses(agreement, query):
        texts = agreement.bilingual(citation)
        cells = [
            {
                "lang": lang,
                "label": citation.label(lang),
                "body": render_clause(texts[lang], find=words),
            }
            for lang in LANGUAGES
        ]
        rows.append({"key": citation.key(), "css": _cite_class(citation), "cells": cells})
    return _render("search.html", ui_lang, query=query.strip()[:200], rows=rows)


# ---------------------------------------------------------------- answers


def citation_text(hit: Hit, ui_lang: str) -> str:
    """What "copy citation" puts on the clipboard: the citation in ``ui_lang``, the other
    language's in brackets, the agreement, and the quoted text (a list item alone if the hit is one).

    ``Статья 5, пункт 3 (5-бап, 3-тармақ) Соглашения между МВД РК и МВД РФ о сотрудничестве
    от 23.10.2008: «…»``
    """
    lang = normalise_lang(ui_lang)
    citation = hit.citation
    label, other = citation.label(lang), citation.label(_other(lang))
    quote = hit.highlight_text.get(lang) if citation.item is not None else None
    quote = " ".join((quote or hit.text.get(lang, "")).split())
    if lang == "ru":
        text = f"{label} ({other}) {t('agreement_short', lang)}: «{quote}»"
    else:
        text = f"{t('agreement_short', lang)}, {label} ({other}): «{quote}»"
    if hit.status.get(lang) == "working_translation":
        text += f" ({t('unofficial_quote', lang)})"
    return text


def _quoted_clause(hit: Hit, lang: str, agreement: Agreement) -> Clause:
    """The parsed clause whose text the hit quotes. A text the agreement served now does not
    hold (an answer kept in the browser from before the corpus was edited) is shown as it
    was quoted, line by line, without a list."""
    try:
        clause = agreement[lang].clause(hit.citation)
    except KeyError:
        clause = None
    text = hit.text[lang]
    if clause is not None and clause.text == text:
        return clause
    return Clause(hit.citation.clause, tuple(ln for ln in text.split("\n") if ln.strip()))


def _columns(hit: Hit, ui_lang: str, qlang: str, agreement: Agreement) -> list[dict[str, Any]]:
    highlights = dict(hit.highlight_text)
    if not highlights.get(qlang) and hit.highlight:
        highlights[qlang] = hit.highlight
    cols = []
    for lang in LANGUAGES:
        if lang not in hit.text:
            continue
        label = hit.citation.clause.label(lang)
        title = hit.title.get(lang, "")
        status = hit.status.get(lang, "")
        cols.append(
            {
                "lang": lang,
                "status": status,
                "status_label": _status_label(status, ui_lang),
                "caption": f"{label} · {title}" if title else label,
                "body": render_clause(_quoted_clause(hit, lang, agreement), highlights.get(lang), hit.citation.item),
                "note": hit.note if hit.note is not None and hit.note.lang == lang else None,
            }
        )
    return cols


def _hit_view(hit: Hit, ui_lang: str, qlang: str, agreement: Agreement, with_article: bool) -> dict[str, Any]:
    citation = hit.citation
    article_html = ""
    if with_article:
        try:
            article_html = Markup(
                render_article(agreement, citation.article, ui_lang, cited=citation,
                               highlights=hit.highlight_text, heading=False)
            )
        except KeyError:
            article_html = ""
    return {
        "key": citation.key(),
        "css": _cite_class(citation),
        "article": citation.article,
        "article_label": article_label(citation.article, ui_lang),
        "article_html": article_html,
        "qlang": qlang,
        "alt_lang": _other(qlang),
        "label": citation.clause.label(qlang),
        "alt": citation.clause.label(_other(qlang)),
        "title": hit.title.get(qlang, ""),
        "snippet": hit.highlight,
        "columns": _columns(hit, ui_lang, qlang, agreement),
        "copy_text": citation_text(hit, ui_lang),
        "link": f"?clause={citation.key()}",
    }


def render_answer(answer: Answer, ui_lang: str, agreement: Agreement) -> str:
    """The whole answer: best clause first, further hits below, or a plain 'no answer'."""
    ui_lang = normalise_lang(ui_lang)
    qlang = _answer_lang(answer, ui_lang)
    abstained = answer.abstained or not answer.hits
    seen: set[int] = set()
    views = []
    for hit in answer.hits:
        # the whole article is included once per answer (under the first hit from it)
        views.append(_hit_view(hit, ui_lang, qlang, agreement, with_article=hit.citation.article not in seen))
        seen.add(hit.citation.article)
    first, further = (None, views) if abstained else (views[0], views[1:])
    notices = [not_in_agreement(c, agreement, ui_lang) for c in answer.not_in_agreement]
    return _render("answer.html", ui_lang, abstained=abstained, qlang=qlang, first=first, further=further, notices=notices)


# ---------------------------------------------------------------- the conversation


def feedback_status(entry: Mapping[str, Any], ui_lang: str) -> str:
    fb = entry.get("feedback") or {}
    key = fb.get("status")
    if key not in ("feedback_thanks", "feedback_changed", "feedback_choose", "feedback_failed"):
        return ""
    return t(key, ui_lang, error=fb.get("error", "")) if key == "feedback_failed" else t(key, ui_lang)


def render_conversation(history: Sequence[Mapping[str, Any]], ui_lang: str, agreement: Agreement) -> str:
    """Every answered exchange of the history (as kept in the browser: ``Answer.to_dict()``
    under ``result``), oldest first, rendered in ``ui_lang``."""
    ui_lang = normalise_lang(ui_lang)
    exchanges = []
    for entry in history:
        result = entry.get("result")
        if not isinstance(result, Mapping):
            continue  # only answers are kept; a bad question is a notice, never a bubble
        try:
            answer = Answer.from_dict(dict(result))
        except (AttributeError, KeyError, TypeError, ValueError):  # the browser's storage is not ours to trust
            logger.debug("an exchange of the history could not be read back; not shown")
            continue
        fb = entry.get("feedback") or {}
        exchanges.append(
            {
                "id": str(entry.get("id", "")),
                "time": str(entry.get("time", "")),
                "qlang": _answer_lang(answer, ui_lang),
                "question": shorten(str(entry.get("question", ""))),
                "answer": Markup(render_answer(answer, ui_lang, agreement)),
                "verdict": fb.get("verdict"),
                "comment": fb.get("comment") or "",
                "status": feedback_status(entry, ui_lang),
            }
        )
    return _render("conversation.html", ui_lang, exchanges=exchanges, comment_max=COMMENT_MAX_CHARS)


__all__ = [
    "COMMENT_MAX_CHARS",
    "Link",
    "article_caption",
    "article_choices",
    "article_clauses",
    "article_label",
    "article_numbers",
    "citation_text",
    "decorate",
    "esc",
    "find_words",
    "provenance_text",
    "reference_links",
    "render_answer",
    "render_article",
    "render_clause",
    "render_conversation",
    "render_error",
    "render_header",
    "render_question",
    "render_search",
    "search_clauses",
]
