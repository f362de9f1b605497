"""The failures report of ``eval.run --report``: every miss and every wrong abstention.

For each failed question: the question, the gold citations and their text, the clause that
came first and its text, where the gold came (if at all) and what the abstention rule saw.
HTML (one self-contained page: inline style, nothing loaded from elsewhere, every text
escaped) or Markdown, chosen by the file's suffix.

>>> kinds({"abstained": True, "ranked": [{"article": 5, "paragraph": 3}]}, ((5, 3),))
['withheld']
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.gold import GoldQuestion
from eval.metrics import as_key, matches

FORMATS = (".html", ".md")
KIND_TITLES = {
    "miss": "the first clause does not answer",
    "withheld": "answerable, but the system abstained",
    "not_withheld": "unanswerable, but the system answered",
}


def kinds(record: Mapping[str, Any], gold: Sequence[tuple[int, int | None]]) -> list[str]:
    """What went wrong with one question (empty: nothing)."""
    ranked = [as_key(c) for c in record["ranked"]]
    out = []
    if gold:
        if not ranked or not any(matches(ranked[0], g) for g in gold):
            out.append("miss")
        if record["abstained"]:
            out.append("withheld")
    elif not record["abstained"]:
        out.append("not_withheld")
    return out


@dataclass(frozen=True)
class Clause:
    label: str
    text: str


@dataclass(frozen=True)
class Failure:
    system: str
    question: GoldQuestion
    kinds: tuple[str, ...]
    gold: tuple[Clause, ...]
    first: Clause | None
    first_match_rank: int | None
    detected_lang: str | None
    abstention: Mapping[str, Any] | None


def clause_text(agreement, lang: str, article: int, paragraph: int | None) -> Clause:
    """A citation's label and text in ``lang``; paragraph None on a numbered article: the whole article."""
    from treatyqa.domain import Citation

    text = agreement[lang]
    citation = Citation(article, paragraph)
    if article == 0:
        body = text.preamble.text
    elif paragraph is None:
        body = text.article(article).text
    else:
        body = text.clause(citation).text
    return Clause(citation.label(lang), body)


def collect(
    gold: Sequence[GoldQuestion], systems: Mapping[str, Sequence[Mapping[str, Any]]], agreement
) -> list[Failure]:
    """Every failure of every system (``systems``: name -> its per-question records), in gold order."""
    by_id = {q.id: q for q in gold}
    out = []
    for name, records in systems.items():
        for record in records:
            q = by_id[record["id"]]
            found = kinds(record, q.citations)
            if not found:
                continue
            ranked = [as_key(c) for c in record["ranked"]]
            out.append(Failure(
                system=name,
                question=q,
                kinds=tuple(found),
                gold=tuple(clause_text(agreement, q.lang, a, p) for a, p in q.citations),
                first=clause_text(agreement, q.lang, *ranked[0]) if ranked else None,
                first_match_rank=record.get("first_match_rank"),
                detected_lang=record.get("detected_lang"),
                abstention=record.get("abstention"),
            ))
    return out


def _features(failure: Failure) -> str:
    a = failure.abstention
    if not a:
        return "no dense evidence (the rule cannot abstain)" if failure.detected_lang else "n/a"
    return (f"offtopic gap {a['offtopic_gap']:+.4f}, unknown share {a['unknown_share']:.3f}, "
            f"rule score {a['score']:+.3f} (abstains above 0)")


def _rank(failure: Failure) -> str:
    if not failure.question.answerable:
        return "n/a (unanswerable)"
    return "not in the ranked list" if failure.first_match_rank is None else str(failure.first_match_rank)


def _summary(failures: Sequence[Failure], systems: Sequence[str]) -> list[tuple[str, dict[str, int]]]:
    return [(name, {kind: sum(1 for f in failures if f.system == name and kind in f.kinds) for kind in KIND_TITLES})
            for name in systems]


# --------------------------------------------------------------------------- HTML

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.4rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse}td,th{padding:.2rem .6rem;border:1px solid #ccc;text-align:right}
th:first-child,td:first-child{text-align:left}
article{border:1px solid #ddd;border-radius:6px;padding:.6rem 1rem;margin:1rem 0}
.kind{display:inline-block;background:#fde8e8;color:#8a1c1c;border-radius:4px;padding:0 .4rem;margin-right:.3rem;font-size:.85rem}
.q{font-size:1.05rem;font-weight:600}blockquote{margin:.3rem 0 .6rem 1rem;color:#333;white-space:pre-wrap}
dt{font-weight:600;margin-top:.4rem}dd{margin-left:1rem}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _html_clause(clause: Clause | None, lang: str) -> str:
    if clause is None:
        return "<dd>nothing was ranked</dd>"
    return f'<dd lang="{_e(lang)}">{_e(clause.label)}<blockquote>{_e(clause.text)}</blockquote></dd>'


def render_html(failures: Sequence[Failure], systems: Sequence[str], title: str) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        # nothing may load from elsewhere, even if a text slipped through unescaped
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        "<table><tr><th>system</th>" + "".join(f"<th>{_e(t)}</th>" for t in KIND_TITLES.values()) + "</tr>",
    ]
    for name, counts in _summary(failures, systems):
        parts.append(f"<tr><td>{_e(name)}</td>" + "".join(f"<td>{counts[k]}</td>" for k in KIND_TITLES) + "</tr>")
    parts.append("</table>")
    for name in systems:
        mine = [f for f in failures if f.system == name]
        parts.append(f'<h2 id="{_e(name)}">{_e(name)}: {len(mine)} failed question(s)</h2>')
        if not mine:
            parts.append("<p>No misses and no wrong abstentions.</p>")
        for f in mine:
            q = f.question
            badges = "".join(f'<span class="kind">{_e(KIND_TITLES[k])}</span>' for k in f.kinds)
            style = f", style {_e(q.style)}" if q.style else ""
            parts.append(
                f'<article id="{_e(name)}-{_e(q.id)}"><div>{badges}</div>'
                f"<p>{_e(q.id)} ({_e(q.lang)}{style}; detected {_e(f.detected_lang or 'n/a')})</p>"
                f'<p class="q" lang="{_e(q.lang)}">{_e(q.question)}</p><dl>'
            )
            parts.append("<dt>gold</dt>")
            if f.gold:
                parts.extend(_html_clause(c, q.lang) for c in f.gold)
            else:
                parts.append("<dd>none: the agreement does not answer it</dd>")
            parts.append("<dt>came first</dt>" + _html_clause(f.first, q.lang))
            parts.append(f"<dt>rank of the first gold clause</dt><dd>{_e(_rank(f))}</dd>")
            parts.append(f"<dt>abstention</dt><dd>{_e(_features(f))}</dd></dl></article>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


# --------------------------------------------------------------------------- Markdown

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~])")


def _m(text: object) -> str:
    """Markdown-escaped and HTML-safe (Markdown renderers pass raw HTML through)."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("&", "&amp;")


def _md_clause(clause: Clause | None) -> list[str]:
    if clause is None:
        return ["nothing was ranked", ""]
    lines = [f"> {_m(line)}" for line in clause.text.splitlines()]
    # a backslash at the end of a line is a hard line break: list items stay on their own lines
    return [f"**{_m(clause.label)}**", ""] + [line + "\\" for line in lines[:-1]] + lines[-1:] + [""]


def render_markdown(failures: Sequence[Failure], systems: Sequence[str], title: str) -> str:
    lines = [f"# {_m(title)}", "", "| system | " + " | ".join(KIND_TITLES.values()) + " |",
             "|---" * (len(KIND_TITLES) + 1) + "|"]
    for name, counts in _summary(failures, systems):
        lines.append(f"| {_m(name)} | " + " | ".join(str(counts[k]) for k in KIND_TITLES) + " |")
    for name in systems:
        mine = [f for f in failures if f.system == name]
        lines += ["", f"## {_m(name)}: {len(mine)} failed question(s)", ""]
        if not mine:
            lines.append("No misses and no wrong abstentions.")
        for f in mine:
            q = f.question
            style = f", style {_m(q.style)}" if q.style else ""
            lines += [
                f"### {_m(q.id)} ({_m(q.lang)}{style}; detected {_m(f.detected_lang or 'n/a')}): "
                + "; ".join(KIND_TITLES[k] for k in f.kinds),
                "",
                f"**Question:** {_m(q.question)}",
                "",
                "**Gold:**",
                "",
            ]
            if f.gold:
                for clause in f.gold:
                    lines += _md_clause(clause)
            else:
                lines += ["none: the agreement does not answer it", ""]
            lines += ["**Came first:**", ""] + _md_clause(f.first)
            lines += [f"**Rank of the first gold clause:** {_m(_rank(f))}", "", f"**Abstention:** {_m(_features(f))}", ""]
    return "\n".join(lines).rstrip() + "\n"


def write_report(
    path: Path, gold: Sequence[GoldQuestion], systems: Mapping[str, Sequence[Mapping[str, Any]]], agreement,
    title: str = "TreatyQA evaluation: failures",
) -> list[Failure]:
    """Write the report in the format ``path``'s suffix names; returns the failures listed."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"report file must end in {' or '.join(FORMATS)}, not {path.name!r}")
    failures = collect(gold, systems, agreement)
    render = render_html if suffix == ".html" else render_markdown
    path.write_text(render(failures, list(systems), title), encoding="utf-8")
    return failures


__all__ = ["FORMATS", "Failure", "collect", "kinds", "render_html", "render_markdown", "write_report"]
