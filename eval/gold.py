"""Gold question files: load, validate, report every bad line.

One JSON object per line::

    {"id": "kk-001", "lang": "kk", "question": "...", "answer": "...",
     "citations": [{"article": 5, "paragraph": 3}]}

``citations`` are the clauses that answer the question (``paragraph`` null: any clause of
the article), ``[]`` for a question the agreement does not answer. ``style`` (optional) says
how the question is typed, one of :data:`STYLES`, so that ``eval.run`` can break the
figures down by it. ``answer`` is required
in the project's own set and optional in files that evaluators bring. Article and
paragraph numbers are checked against the parsed agreement, so a citation can never point
at a clause that does not exist.

>>> from eval.gold import load_gold, default_gold_paths
>>> questions = load_gold(default_gold_paths("dev"), require_answer=True)
>>> questions[0].lang in ("kk", "ru")
True
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

GOLD_DIR = Path(__file__).resolve().parent / "gold"
SPLITS = ("dev", "test")
LANGS = ("kk", "ru")
# How staff type a question (the optional "style" field):
STYLES = (
    "plain",  # clean wording
    "scenario",  # a situation in two or three sentences
    "keyword",  # a few search words
    "typo",  # misspelt
    "keyboard",  # Kazakh typed on a Russian keyboard (ә->а, қ->к, ң->н, ...)
    "latin",  # Kazakh in Latin script (2021 alphabet, older variants, informal ASCII)
    "cross",  # Kazakh and Russian in one question
    "negation",  # asks what is not allowed / not required
    "citation",  # a clause looked up by its number ("статья 8 пункт 3", "5-бап")
    "unanswerable",  # the agreement does not answer it
)

CitationKey = tuple[int, int | None]
# article number -> the paragraph numbers it has ({None} for an article without numbered paragraphs)
Structure = Mapping[int, frozenset[int | None]]


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    lang: str
    question: str
    answer: str | None
    citations: tuple[CitationKey, ...]
    source: str = ""
    line: int = 0
    style: str | None = None

    @property
    def answerable(self) -> bool:
        return bool(self.citations)

    def to_dict(self) -> dict:
        out = {
            "id": self.id,
            "lang": self.lang,
            "question": self.question,
            "answer": self.answer,
            "citations": [{"article": a, "paragraph": p} for a, p in self.citations],
        }
        if self.style is not None:  # the field is optional in the file format too
            out["style"] = self.style
        return out


@dataclass(frozen=True)
class GoldError:
    """One rejected line (or a whole file, when ``line`` is None)."""

    path: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}, line {self.line}"
        return f"{where}: {self.reason}"


class GoldFileError(Exception):
    """A gold file was rejected; ``errors`` lists every bad line, in file order."""

    def __init__(self, errors: Sequence[GoldError]):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


def default_gold_paths(split: str = "all") -> list[Path]:
    """The project's own gold files for ``dev``, ``test`` or ``all``."""
    if split == "all":
        return [GOLD_DIR / f"{name}.jsonl" for name in SPLITS]
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose one of {', '.join(SPLITS + ('all',))}")
    return [GOLD_DIR / f"{split}.jsonl"]


def agreement_structure(agreement=None) -> dict[int, frozenset[int | None]]:
    """Article number -> paragraph numbers, from the parsed agreement (both languages must agree)."""
    if agreement is None:
        from treatyqa.corpus import load_agreement

        agreement = load_agreement()
    structure: dict[int, set[int | None]] = {}
    for citation in agreement.citations():
        structure.setdefault(citation.article, set()).add(citation.paragraph)
    return {article: frozenset(paras) for article, paras in structure.items()}


def _describe_paragraphs(paras: frozenset[int | None]) -> str:
    numbers = sorted(p for p in paras if p is not None)
    return f"paragraphs {numbers[0]}..{numbers[-1]}" if numbers else "no numbered paragraphs"


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_citation(index: int, raw: object, structure: Structure) -> tuple[CitationKey | None, str | None]:
    label = f"citation {index}"
    if not isinstance(raw, dict):
        return None, f"{label} must be an object like {{\"article\": 5, \"paragraph\": 3}}"
    if "article" not in raw:
        return None, f"{label} has no 'article'"
    article = raw["article"]
    paragraph = raw.get("paragraph")
    if not _is_int(article):
        return None, f"{label}: 'article' must be an integer, not {json.dumps(article, ensure_ascii=False)}"
    if paragraph is not None and not _is_int(paragraph):
        return None, f"{label}: 'paragraph' must be an integer or null, not {json.dumps(paragraph, ensure_ascii=False)}"
    if article not in structure:
        return None, f"{label}: article {article} does not exist (articles are {min(structure)}..{max(structure)})"
    paras = structure[article]
    if paragraph is not None and paragraph not in paras:
        if paras == {None}:
            return None, f"{label}: article {article} has no numbered paragraphs (use \"paragraph\": null)"
        return None, f"{label}: article {article} has no paragraph {paragraph} ({_describe_paragraphs(paras)})"
    return (article, paragraph), None


def _check_citations(raw: object, structure: Structure) -> tuple[tuple[CitationKey, ...], list[str]]:
    if not isinstance(raw, list):
        return (), ["'citations' must be a list ([] for a question the agreement does not answer)"]
    reasons: list[str] = []
    keys: list[CitationKey] = []
    for index, item in enumerate(raw, start=1):
        key, reason = _check_citation(index, item, structure)
        if reason:
            reasons.append(reason)
            continue
        assert key is not None
        article, paragraph = key
        if key in keys:
            reasons.append(f"citation {index} repeats article {article}, paragraph {paragraph}")
        elif (article, None) in keys or (paragraph is None and any(a == article for a, _ in keys)):
            # Overlapping gold (article 7 and article 7 paragraph 2) would make one ranked clause
            # match two gold citations and leave nDCG ambiguous; the whole article covers both.
            reasons.append(f"citation {index} overlaps another citation of article {article} (paragraph null covers the whole article)")
        else:
            keys.append(key)
    return tuple(keys), reasons


def _nonempty_str(record: dict, name: str) -> str | None:
    value = record.get(name)
    return value if isinstance(value, str) and value.strip() else None


def parse_record(record: object, structure: Structure, *, require_answer: bool) -> tuple[dict | None, list[str]]:
    """Validate one decoded line; returns the clean fields or the reasons it was rejected."""
    if not isinstance(record, dict):
        return None, [f"expected a JSON object, got {type(record).__name__}"]
    reasons: list[str] = []
    for name in ("id", "lang", "question", "citations"):
        if name not in record:
            reasons.append(f"missing field '{name}'")
    qid = _nonempty_str(record, "id")
    if "id" in record and qid is None:
        reasons.append("'id' must be a non-empty string")
    lang = record.get("lang")
    if "lang" in record and lang not in LANGS:
        reasons.append(f"unknown language code {json.dumps(lang, ensure_ascii=False)} (expected \"kk\" or \"ru\")")
    question = _nonempty_str(record, "question")
    if "question" in record and question is None:
        reasons.append("'question' must be a non-empty string")
    answer = record.get("answer")
    if answer is None:
        if require_answer:
            reasons.append("missing field 'answer' (required in the project's gold set)")
    elif not isinstance(answer, str):
        reasons.append("'answer' must be a string")
    style = record.get("style")
    if style is not None and style not in STYLES:
        reasons.append(f"unknown style {json.dumps(style, ensure_ascii=False)} (expected one of {', '.join(STYLES)})")
    citations: tuple[CitationKey, ...] = ()
    if "citations" in record:
        citations, citation_reasons = _check_citations(record["citations"], structure)
        reasons.extend(citation_reasons)
        if style == "unanswerable" and citations:
            reasons.append("style \"unanswerable\" needs \"citations\": []")
    if reasons:
        return None, reasons
    return {"id": qid, "lang": lang, "question": question, "answer": answer, "citations": citations, "style": style}, []


def parse_lines(
    lines: Iterable[bytes | str], path: str, structure: Structure, *, require_answer: bool = False
) -> tuple[list[GoldQuestion], list[GoldError]]:
    """Validate every line of one file; blank lines are skipped. Nothing stops at the first error."""
    questions: list[GoldQuestion] = []
    errors: list[GoldError] = []
    for lineno, raw in enumerate(lines, start=1):
        if isinstance(raw, bytes):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                errors.append(GoldError(path, lineno, f"not UTF-8 text (byte {exc.start + 1})"))
                continue
        else:
            text = raw
        if lineno == 1:
            text = text.removeprefix("\ufeff")
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            errors.append(GoldError(path, lineno, f"not valid JSON ({exc.msg} at column {exc.colno})"))
            continue
        fields, reasons = parse_record(record, structure, require_answer=require_answer)
        if reasons:
            errors.append(GoldError(path, lineno, "; ".join(reasons)))
            continue
        assert fields is not None
        questions.append(GoldQuestion(**fields, source=path, line=lineno))
    return questions, errors


def load_gold(
    paths: Sequence[str | Path], *, require_answer: bool = False, structure: Structure | None = None
) -> list[GoldQuestion]:
    """Load and validate gold files; raises :class:`GoldFileError` listing every bad line of every file.

    Ids must be unique across all the files given (results are matched to the gold by id).
    """
    if structure is None:
        structure = agreement_structure()
    questions: list[GoldQuestion] = []
    errors: list[GoldError] = []
    first_seen: dict[str, GoldQuestion] = {}
    for path in paths:
        name = str(path)
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            errors.append(GoldError(name, None, f"cannot be read ({exc.strerror or exc})"))
            continue
        file_questions, file_errors = parse_lines(data.splitlines(), name, structure, require_answer=require_answer)
        if not file_questions and not file_errors:
            file_errors.append(GoldError(name, None, "contains no questions"))
        for q in file_questions:
            earlier = first_seen.get(q.id)
            if earlier is not None:
                where = f"line {earlier.line}" if earlier.source == q.source else f"{earlier.source}, line {earlier.line}"
                file_errors.append(GoldError(name, q.line, f"duplicate id {q.id!r} (first used on {where})"))
                continue
            first_seen[q.id] = q
            questions.append(q)
        errors.extend(sorted(file_errors, key=lambda e: e.line or 0))
    if errors:
        raise GoldFileError(errors)
    return questions


__all__ = [
    "GOLD_DIR",
    "GoldError",
    "GoldFileError",
    "GoldQuestion",
    "SPLITS",
    "STYLES",
    "agreement_structure",
    "default_gold_paths",
    "load_gold",
    "parse_lines",
    "parse_record",
]
