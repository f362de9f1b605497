"""Parse the published layout of the agreement (Kazakh or Russian) into its structure.

Layout: title lines, a place and date line, an editorial note, the preamble, articles
(``N-бап`` / ``Статья N`` then a title line), numbered paragraphs (``1.``), list items
ending in ``;`` under a lead-in ending in ``:``, the closing formula and the signatures.
A logical line starts with an indent; an unindented line continues it; blank lines are
page breaks and never end a line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from treatyqa.domain import AgreementText, Article, Citation, Clause
from treatyqa.textclean import clean_line

_HEADING = {
    "kk": re.compile(r"^(\d+)\s*-\s*бап$"),
    "ru": re.compile(r"^Статья\s+(\d+)\.?$"),
}
_CLOSING = {
    "kk": re.compile(r"данада жасалды"),
    "ru": re.compile(r"в двух экземплярах"),
}
_NUMBERED = re.compile(r"^(\d+)\.\s*(.*)$")
_SIGNATURES = re.compile(r"^\(.+\)$")


class CorpusError(ValueError):
    """A corpus file that does not have the agreement's structure; names where."""

    def __init__(self, path: str, reason: str, article: int | None = None, paragraph: int | None = None):
        self.path = path
        self.article = article
        self.paragraph = paragraph
        self.reason = reason
        where = [path]
        if article is not None:
            where.append(f"article {article}")
        if paragraph is not None:
            where.append(f"paragraph {paragraph}")
        super().__init__(f"{', '.join(where)}: {reason}")


@dataclass
class _Line:
    text: str
    indented: bool


def _logical_lines(raw: str, lang: str) -> tuple[list[str], list[_Line]]:
    """Split into the header block (before the first indented line) and logical lines."""
    header: list[str] = []
    lines: list[_Line] = []
    for raw_line in raw.splitlines():
        if not raw_line.strip():
            if not lines:
                header.append("")
            continue  # a page break: the logical line goes on
        indented = raw_line.startswith("  ")
        text = clean_line(raw_line, lang)
        if not lines and not indented:
            header.append(text)
        elif indented or _HEADING[lang].match(text) or _SIGNATURES.match(text):
            lines.append(_Line(text, indented))
        elif lines[-1].indented:
            lines[-1].text = clean_line(lines[-1].text + " " + text, lang)
        else:
            lines.append(_Line(text, indented))
    return header, lines


def _split_header(header: list[str], path: str) -> tuple[str, str]:
    blocks: list[list[str]] = [[]]
    for line in header:
        if line:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    blocks = [b for b in blocks if b]
    if len(blocks) < 2:
        raise CorpusError(path, "expected a title block and a place-and-date line before the text")
    return " ".join(blocks[0]), " ".join(" ".join(b) for b in blocks[1:])


def _build_clause(citation: Citation, lines: list[str], path: str) -> Clause:
    if not lines or not any(lines):
        raise CorpusError(path, "empty clause", citation.article, citation.paragraph)
    lead_in: str | None = None
    items: list[str] = []
    in_list = False
    for line in lines:
        if in_list:
            items.append(line)
            if not line.endswith(";"):
                in_list = False
        elif line.endswith(":") and lead_in is None:
            lead_in = line
            in_list = True
    if not items:  # a closing colon with nothing after it (the preamble's last line)
        lead_in = None
    return Clause(citation, tuple(lines), lead_in, tuple(items))


def _build_article(number: int, title: str, body: list[str], path: str) -> Article:
    if not body:
        raise CorpusError(path, "article has no text", number)
    numbered = [_NUMBERED.match(line) for line in body]
    if not numbered[0]:
        if any(numbered):
            raise CorpusError(path, "text before the first numbered paragraph", number)
        return Article(number, title, (_build_clause(Citation(number), body, path),))
    clauses: list[Clause] = []
    current: list[str] = []
    expected = 1
    for line, match in zip(body, numbered, strict=True):
        if match:
            para = int(match.group(1))
            if current:
                clauses.append(_build_clause(Citation(number, expected - 1), current, path))
            if para != expected:
                reason = "paragraph number repeated" if para < expected else f"expected paragraph {expected}"
                raise CorpusError(path, reason, number, para)
            expected += 1
            current = [match.group(2)]
        else:
            current.append(line)
    clauses.append(_build_clause(Citation(number, expected - 1), current, path))
    return Article(number, title, tuple(clauses))


def parse_agreement(raw: str, lang: str, source: str | Path = "<text>") -> AgreementText:
    """Parse one language version. Raises :class:`CorpusError` naming file, article, paragraph."""
    path = str(source)
    if lang not in _HEADING:
        raise CorpusError(path, f"unknown language {lang!r}; expected one of {sorted(_HEADING)}")
    header, lines = _logical_lines(raw, lang)
    title, place_date = _split_header(header, path)

    signatures = ""
    if lines and _SIGNATURES.match(lines[-1].text) and not lines[-1].indented:
        signatures = lines.pop().text

    intro: list[str] = []
    articles: list[tuple[int, str, list[str]]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        heading = _HEADING[lang].match(line.text)
        if heading:
            number = int(heading.group(1))
            if i + 1 >= len(lines) or lines[i + 1].indented:
                raise CorpusError(path, "article heading without a title line", number)
            articles.append((number, lines[i + 1].text, []))
            i += 2
            continue
        (articles[-1][2] if articles else intro).append(line.text)
        i += 1
    if not articles:
        raise CorpusError(path, "no articles found")
    _check_article_order([n for n, _, _ in articles], path)

    note: tuple[str, ...] = ()
    if intro and intro[0].endswith("!"):
        note, intro = tuple(intro[:2]), intro[2:]
    if not intro:
        raise CorpusError(path, "no preamble", 0)

    last_body = articles[-1][2]
    closing_at = [k for k, text in enumerate(last_body) if _CLOSING[lang].search(text)]
    if not closing_at:
        raise CorpusError(path, "closing formula not found (the text may be truncated)", articles[-1][0])
    closing = " ".join(last_body[closing_at[0] :])
    del last_body[closing_at[0] :]

    return AgreementText(
        lang=lang,
        source=path,
        title=title,
        place_date=place_date,
        note=note,
        preamble=_build_clause(Citation(0), intro, path),
        articles=tuple(_build_article(n, t, body, path) for n, t, body in articles),
        closing=closing,
        signatures=signatures,
    )


def _check_article_order(numbers: list[int], path: str) -> None:
    """Name the first problem: a repeated number, an article out of order, or a gap."""
    seen: set[int] = set()
    for pos, number in enumerate(numbers):
        if number in seen:
            raise CorpusError(path, "article number appears twice", number)
        seen.add(number)
        if pos and number < numbers[pos - 1]:
            raise CorpusError(path, f"article out of order (after article {numbers[pos - 1]})", number)
    for expected in range(1, max(numbers) + 1):
        if expected not in seen:
            raise CorpusError(path, f"article {expected} is missing", expected)


def parse_file(path: Path, lang: str) -> AgreementText:
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(str(path), f"not UTF-8 text ({exc.reason})") from exc
    except OSError as exc:
        raise CorpusError(str(path), f"cannot be read ({exc.strerror})") from exc
    return parse_agreement(raw, lang, path)
