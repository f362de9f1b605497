"""Answers, articles and questions as safe HTML for the chat.

Every piece of user or corpus text goes through :func:`esc` (``html.escape``) before it is
put into markup; the only tags in the output are the ones written here. Highlights are
``<mark>`` elements placed around the escaped best-matching sentence or list item.

The input is the JSON result of ``Answer.to_dict()`` (the same dict the CLI prints and the
HTTP API returns), so the page shows exactly what every other interface returns.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from treatyqa.domain import LANGUAGES, Agreement, Citation, Clause
from treatyqa.web.i18n import normalise_lang, t

# C0/C1 control characters except tab and newline; shown as U+FFFD, never passed through.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]")
QUESTION_DISPLAY_CHARS = 600


def esc(text: object) -> str:
    """Escape for HTML text and attribute values; control characters become U+FFFD."""
    return html.escape(_CONTROL.sub("\ufffd", str(text)), quote=True)


def _other(lang: str) -> str:
    return "ru" if lang == "kk" else "kk"


def _answer_lang(result: Mapping[str, Any], default: str) -> str:
    lang = result.get("language")
    return lang if lang in LANGUAGES else default


# ---------------------------------------------------------------- questions and errors


def render_question(question: str, max_chars: int = QUESTION_DISPLAY_CHARS) -> str:
    """The user's question as inert text (long input is shortened for display only)."""
    shown = question if len(question) <= max_chars else question[:max_chars] + " …"
    return f'<div class="tq-question">{esc(shown)}</div>'


def render_error(message: str) -> str:
    return f'<div class="tq-error" role="alert">{esc(message)}</div>'


# ---------------------------------------------------------------- clause text


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


def _mark_line(line: str, highlight: str | None) -> tuple[str, bool]:
    """``line`` escaped, with the highlight (a sentence of it, or all of it) in ``<mark>``."""
    if highlight:
        span = _find(line, highlight.strip())
        stripped = line.strip()
        if span is None and len(stripped) > 3 and stripped in highlight:
            span = (0, len(line))  # the highlight spans several lines: mark each whole line
        if span is not None:
            a, b = span
            return f"{esc(line[:a])}<mark>{esc(line[a:b])}</mark>{esc(line[b:])}", True
    return esc(line), False


def split_lines(text: str) -> tuple[str | None, list[str], list[str]]:
    """``(lead_in, items, other_lines)`` of a clause text given as lines joined by newlines.

    A line ending in ``:`` that is followed by more lines introduces a list; the lines
    after it are its items (the layout the parser gives every list in the agreement).
    """
    lines = [ln for ln in text.split("\n") if ln.strip()]
    for i, line in enumerate(lines[:-1]):
        if line.rstrip().endswith(":"):
            return line, lines[i + 1 :], lines[:i]
    return None, [], lines


def render_clause_text(text: str, highlight: str | None = None, item: int | None = None) -> str:
    """A clause's text: paragraphs, a lead-in and a bulleted list, the best match marked.

    ``item`` (1-based) marks that list item when the highlight is not found in the text.
    """
    lead_in, items, others = split_lines(text)
    parts: list[str] = []
    marked = False
    for line in others:
        body, hit = _mark_line(line, None if marked else highlight)
        marked = marked or hit
        parts.append(f"<p>{body}</p>")
    if lead_in is not None:
        body, hit = _mark_line(lead_in, None if marked else highlight)
        marked = marked or hit
        parts.append(f'<p class="tq-lead">{body}</p>')
        lis = []
        for line in items:
            body, hit = _mark_line(line, None if marked else highlight)
            marked = marked or hit
            lis.append(body)
        if not marked and item is not None and 1 <= item <= len(lis):
            lis[item - 1] = f"<mark>{esc(items[item - 1])}</mark>"
        parts.append("<ul>" + "".join(f"<li>{li}</li>" for li in lis) + "</ul>")
    return "".join(parts)


def _status_label(status: str | None, ui_lang: str) -> str:
    key = f"status_{status}" if status in ("authentic", "working_translation") else None
    return t(key, ui_lang) if key else ""


def _column_header(lang: str, status: str | None, ui_lang: str) -> str:
    label = esc(t(f"lang_{lang}", ui_lang))
    status_text = _status_label(status, ui_lang)
    css = "tq-status" + (" tq-unofficial" if status == "working_translation" else "")
    badge = f' <span class="{css}" data-status="{esc(status or "")}">{esc(status_text)}</span>' if status_text else ""
    return f'<div class="tq-col-head">{label}{badge}</div>'


# ---------------------------------------------------------------- articles


def article_clauses(agreement: Agreement, lang: str, number: int) -> tuple[Clause, ...]:
    text = agreement[lang]
    return (text.preamble,) if number == 0 else text.article(number).clauses


def article_label(number: int, lang: str) -> str:
    """``5-бап`` / ``Статья 5``; the preamble by name."""
    return Citation(number).label(lang)


def article_choices(agreement: Agreement, ui_lang: str) -> list[tuple[str, int]]:
    """Dropdown choices ``("5-бап. <title>", 5)``, the preamble first."""
    lang = normalise_lang(ui_lang)
    text = agreement[lang]
    choices = [(t("preamble", lang), 0)]
    for art in text.articles:
        choices.append((f"{article_label(art.number, lang)}. {art.title}", art.number))
    return choices


def _clause_html(clause: Clause, highlight: str | None = None) -> str:
    number = clause.citation.paragraph
    prefix = f'<span class="tq-par-no">{number}.</span> ' if number is not None else ""
    return prefix + render_clause_text(clause.text, highlight)


def render_article(
    agreement: Agreement,
    number: int,
    ui_lang: str,
    cited: Citation | None = None,
    highlights: Mapping[str, str] | None = None,
    heading: bool = True,
) -> str:
    """A whole article, clause by clause, Kazakh and Russian side by side.

    ``cited`` marks that clause (and ``highlights[lang]`` inside it): the view a user gets
    when opening the article around a cited clause.
    """
    ui_lang = normalise_lang(ui_lang)
    rows: list[str] = []
    per_lang = {lang: article_clauses(agreement, lang, number) for lang in LANGUAGES}
    for index, clause in enumerate(per_lang["kk"]):
        is_cited = cited is not None and clause.citation == cited.clause
        cells = []
        for lang in LANGUAGES:
            other = per_lang[lang][index]
            marks = (highlights or {}).get(lang) if is_cited else None
            cells.append(f'<td class="tq-lang-{lang}" lang="{lang}" data-lang="{lang}">{_clause_html(other, marks)}</td>')
        css = f"tq-clause {_cite_class(clause.citation)}" + (" tq-cited" if is_cited else "")
        rows.append(f'<tr class="{css}" data-citation="{esc(clause.citation.key())}">{"".join(cells)}</tr>')
    head_cells = []
    for lang in LANGUAGES:
        status = agreement.provenance[lang].status if lang in agreement.provenance else None
        title = agreement[lang].title_of(number)
        label = article_label(number, lang)
        caption = label if number == 0 else f"{label}. {title}"
        head_cells.append(
            f'<th class="tq-lang-{lang}" lang="{lang}" data-lang="{lang}">{_column_header(lang, status, ui_lang)}'
            f'<div class="tq-article-title">{esc(caption)}</div></th>'
        )
    title_html = ""
    if heading:
        title = agreement[ui_lang].title_of(number)
        label = article_label(number, ui_lang)
        title_html = f'<div class="tq-article-heading">{esc(label if number == 0 else f"{label}. {title}")}</div>'
    return (
        f'<div class="tq-article-view tq-article-{number}" data-article="{number}">{title_html}'
        f'<table class="tq-article-table"><thead><tr>{"".join(head_cells)}</tr></thead>'
        f'<tbody>{"".join(rows)}</tbody></table>'
        f"{provenance_note(agreement, ui_lang)}</div>"
    )


def provenance_text(agreement: Agreement | None, ui_lang: str) -> str:
    """Which text is authentic and which a working translation, from the corpus manifest."""
    statuses = {lang: p.status for lang, p in (agreement.provenance.items() if agreement else ())}
    key = "both_authentic_note" if statuses and all(s == "authentic" for s in statuses.values()) else "provenance_note"
    return t(key, ui_lang)


def provenance_note(agreement: Agreement | None, ui_lang: str) -> str:
    return f'<p class="tq-provenance">{esc(provenance_text(agreement, ui_lang))}</p>'


# ---------------------------------------------------------------- answers


def _cite_class(citation: Citation) -> str:
    """A class naming the citation (``tq-c-5-3``, ``tq-c-5-3-2``, ``tq-c-9``): the page's
    sanitizer keeps classes but drops ``data-*`` attributes from chat messages."""
    return "tq-c-" + citation.key().replace(".", "-")


def _hit_citation(hit: Mapping[str, Any]) -> Citation:
    return Citation(int(hit["article"]), hit.get("paragraph"), hit.get("item"))


def _side_by_side(hit: Mapping[str, Any], ui_lang: str, qlang: str) -> str:
    texts = hit.get("text") or {}
    highlights = dict(hit.get("highlights") or {})
    if not highlights.get(qlang) and hit.get("highlight"):
        highlights[qlang] = hit["highlight"]
    statuses = hit.get("status") or {}
    titles = hit.get("titles") or {}
    citations = hit.get("citations") or {}
    item = hit.get("item")
    cols = []
    for lang in LANGUAGES:
        if lang not in texts:
            continue
        label = citations.get(lang) or _hit_citation(hit).label(lang)
        title = titles.get(lang, "")
        caption = f"{label} · {title}" if title else label
        status = statuses.get(lang, "")
        cols.append(
            f'<section class="tq-col tq-lang-{lang} tq-status-{esc(status)}" lang="{lang}" data-lang="{lang}" '
            f'data-status="{esc(status)}">'
            f"{_column_header(lang, statuses.get(lang), ui_lang)}"
            f'<div class="tq-col-cite">{esc(caption)}</div>'
            f'<div class="tq-text">{render_clause_text(texts[lang], highlights.get(lang), item)}</div>'
            "</section>"
        )
    return f'<div class="tq-side">{"".join(cols)}</div>'


def _article_details(hit: Mapping[str, Any], ui_lang: str, agreement: Agreement | None) -> str:
    if agreement is None:
        return ""
    citation = _hit_citation(hit)
    try:
        body = render_article(
            agreement, citation.article, ui_lang, cited=citation, highlights=hit.get("highlights"), heading=False
        )
    except KeyError:
        return ""
    label = t("open_article", ui_lang, label=article_label(citation.article, ui_lang))
    return (
        f'<details class="tq-open-article tq-article-{citation.article}" data-article="{citation.article}">'
        f"<summary>{esc(label)}</summary>{body}</details>"
    )


def render_hit(
    hit: Mapping[str, Any],
    ui_lang: str,
    qlang: str,
    agreement: Agreement | None = None,
    primary: bool = True,
    with_article: bool = True,
) -> str:
    """One cited clause: the citation first, then both texts side by side, then the article
    (``with_article``: a collapsed view of the whole article, the clause marked)."""
    ui_lang = normalise_lang(ui_lang)
    citation = _hit_citation(hit)
    citations = hit.get("citations") or {}
    label = citations.get(qlang) or hit.get("citation") or citation.label(qlang)
    alt = citations.get(_other(qlang)) or citation.label(_other(qlang))
    title = (hit.get("titles") or {}).get(qlang) or hit.get("title") or ""
    cite_html = (
        f'<span class="tq-cite-label" lang="{qlang}">{esc(label)}</span>'
        f'<span class="tq-cite-alt" lang="{_other(qlang)}">{esc(alt)}</span>'
    )
    title_html = f'<div class="tq-hit-title" lang="{qlang}">{esc(title)}</div>' if title else ""
    body = _side_by_side(hit, ui_lang, qlang)
    if with_article:
        body += _article_details(hit, ui_lang, agreement)
    key = esc(citation.key())
    css = _cite_class(citation)
    if primary:
        return (
            f'<div class="tq-hit tq-primary {css}" data-citation="{key}">'
            f'<div class="tq-cite">{cite_html}</div>{title_html}{body}</div>'
        )
    snippet = hit.get("highlight") or ""
    snippet_html = f'<span class="tq-snippet" lang="{qlang}">{esc(snippet)}</span>' if snippet else ""
    title_inline = f'<span class="tq-hit-title" lang="{qlang}">{esc(title)}</span>' if title else ""
    return (
        f'<details class="tq-hit tq-secondary {css}" data-citation="{key}">'
        f'<summary><span class="tq-cite">{cite_html}</span>{title_inline}{snippet_html}</summary>'
        f"{body}</details>"
    )


def render_answer(result: Mapping[str, Any], ui_lang: str, agreement: Agreement | None = None) -> str:
    """The whole answer: best clause first, further hits below, or a plain 'no answer'."""
    ui_lang = normalise_lang(ui_lang)
    qlang = _answer_lang(result, ui_lang)
    hits: Sequence[Mapping[str, Any]] = result.get("hits") or []
    abstained = bool(result.get("abstained")) or not hits
    parts: list[str] = []
    if abstained:
        parts.append(f'<div class="tq-abstain" role="status">{esc(t("abstained", ui_lang))}</div>')
        if hits:
            parts.append(_further(hits, ui_lang, qlang, agreement, heading=t("nearest_hits", ui_lang)))
    else:
        parts.append(render_hit(hits[0], ui_lang, qlang, agreement, primary=True))
        if len(hits) > 1:
            parts.append(
                _further(
                    hits[1:], ui_lang, qlang, agreement, heading=t("further_hits", ui_lang), seen={hits[0]["article"]}
                )
            )
    state = "tq-abstained" if abstained else "tq-answered"
    return (
        f'<div class="tq-answer {state} tq-qlang-{esc(qlang)}" data-language="{esc(qlang)}" '
        f'data-abstained="{str(abstained).lower()}">'
        f'{"".join(parts)}</div>'
    )


def _further(
    hits: Iterable[Mapping[str, Any]],
    ui_lang: str,
    qlang: str,
    agreement: Agreement | None,
    heading: str,
    seen: set[int] | None = None,
) -> str:
    """The other hits, collapsed; each article's full text is included once per answer."""
    seen = set(seen or ())
    items = []
    for hit in hits:
        items.append(render_hit(hit, ui_lang, qlang, agreement, primary=False, with_article=hit["article"] not in seen))
        seen.add(hit["article"])
    items = "".join(items)
    return f'<div class="tq-further"><div class="tq-further-heading">{esc(heading)}</div>{items}</div>'


__all__ = [
    "article_choices",
    "article_clauses",
    "article_label",
    "esc",
    "provenance_note",
    "provenance_text",
    "render_answer",
    "render_article",
    "render_clause_text",
    "render_error",
    "render_hit",
    "render_question",
    "split_lines",
]
