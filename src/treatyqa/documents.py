"""Turn the parsed agreement into Haystack Documents (pure: no model, no store).

The index is built from these documents and the facade reads its lexicon from the same
list, so they belong to the library rather than to the indexing package.

Four levels per language, each pointing at a citation identity:
``article`` (the whole article), ``clause`` (a numbered paragraph or an unnumbered
article body), ``item`` (one list item, with its lead-in as context) and ``question``
(questions written for a clause, indexed so that a user's question can meet a stored one).
A fifth level, ``offtopic``, holds staff questions the agreement does not answer: how much
nearer a user's question lies to them than to the clauses is one input of the abstention
rule (``treatyqa.abstention``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from haystack import Document

from treatyqa.domain import LANGUAGES, Agreement, Citation

DATA = Path(__file__).resolve().parent / "data"
QUESTIONS_FILE = DATA / "clause_questions.jsonl"
OUT_OF_SCOPE_FILE = DATA / "out_of_scope.jsonl"
T = TypeVar("T")
LEVELS = ("article", "clause", "item", "question", "offtopic")


def doc_id(lang: str, level: str, citation: Citation, n: int | None = None) -> str:
    suffix = "" if n is None else f"#{n}"
    return f"{lang}:{level}:{citation.key()}{suffix}"


def _other(lang: str) -> str:
    return "ru" if lang == "kk" else "kk"


def _meta(agreement: Agreement, lang: str, level: str, citation: Citation, context: str) -> dict:
    return {
        "lang": lang,
        "level": level,
        "article": citation.article,
        "paragraph": citation.paragraph,
        "item": citation.item,
        "clause": citation.clause.key(),
        "citation": citation.label(lang),
        "title": agreement[lang].title_of(citation.article),
        "status": agreement.provenance[lang].status,
        "context": context,
        "counterpart_id": doc_id(_other(lang), level, citation),
    }


def agreement_documents(agreement: Agreement) -> list[Document]:
    """Article, clause and item documents of both languages."""
    docs: list[Document] = []
    for lang in LANGUAGES:
        text = agreement[lang]
        for article in text.articles:
            cit = Citation(article.number)
            docs.append(
                Document(
                    id=doc_id(lang, "article", cit),
                    content=article.text,
                    meta=_meta(agreement, lang, "article", cit, article.title),
                )
            )
        for clause in text.clauses():
            title = text.title_of(clause.citation.article)
            docs.append(
                Document(
                    id=doc_id(lang, "clause", clause.citation),
                    content=clause.text,
                    meta=_meta(agreement, lang, "clause", clause.citation, title),
                )
            )
            for n, item in enumerate(clause.items, start=1):
                cit = Citation(clause.citation.article, clause.citation.paragraph, n)
                docs.append(
                    Document(
                        id=doc_id(lang, "item", cit),
                        content=item,
                        meta=_meta(agreement, lang, "item", cit, f"{title}. {clause.lead_in}"),
                    )
                )
    return docs


class QuestionFileError(ValueError):
    pass


def _records(path: Path, read: Callable[[dict], T]) -> Iterator[tuple[int, T]]:
    """``read`` applied to each JSON line, with the file and line named on any error."""
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield lineno, read(json.loads(line))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise QuestionFileError(f"{path}:{lineno}: malformed line ({exc})") from exc


def _question_record(rec: dict) -> tuple[Citation, str, str]:
    return Citation(int(rec["article"]), rec.get("paragraph"), rec.get("item")), rec["lang"], rec["question"].strip()


def question_documents(agreement: Agreement, path: Path = QUESTIONS_FILE) -> list[Document]:
    """Documents for the questions written per clause (``data/clause_questions.jsonl`` beside this module)."""
    known = set(agreement.citations())
    docs: list[Document] = []
    for lineno, (cit, lang, question) in _records(path, _question_record):
        if cit.clause not in known or lang not in LANGUAGES or not question:
            raise QuestionFileError(f"{path}:{lineno}: unknown clause {cit.key()} or language {lang!r}")
        clause = agreement[lang].clause(cit)
        if cit.item is not None and not 1 <= cit.item <= len(clause.items):
            raise QuestionFileError(f"{path}:{lineno}: clause {cit.clause.key()} has no item {cit.item}")
        meta = _meta(agreement, lang, "question", cit, "")
        meta["counterpart_id"] = doc_id(_other(lang), "clause", cit.clause)
        docs.append(Document(id=doc_id(lang, "question", cit, lineno), content=question, meta=meta))
    return docs


def out_of_scope_documents(path: Path = OUT_OF_SCOPE_FILE) -> list[Document]:
    docs: list[Document] = []
    for lineno, (lang, question) in _records(path, lambda rec: (rec["lang"], rec["question"].strip())):
        if lang not in LANGUAGES or not question:
            raise QuestionFileError(f"{path}:{lineno}: unknown language {lang!r} or empty question")
        meta = {"lang": lang, "level": "offtopic", "article": None, "paragraph": None, "item": None, "context": ""}
        docs.append(Document(id=f"{lang}:offtopic:{lineno}", content=question, meta=meta))
    return docs


DATA_FILES = (QUESTIONS_FILE, OUT_OF_SCOPE_FILE)


def all_documents(agreement: Agreement, data_files: tuple[Path, ...] = DATA_FILES) -> list[Document]:
    docs = agreement_documents(agreement)
    if QUESTIONS_FILE in data_files and QUESTIONS_FILE.exists():
        docs += question_documents(agreement, QUESTIONS_FILE)
    if OUT_OF_SCOPE_FILE in data_files and OUT_OF_SCOPE_FILE.exists():
        docs += out_of_scope_documents(OUT_OF_SCOPE_FILE)
    return docs


def data_hash(paths: tuple[Path, ...] = DATA_FILES) -> str:
    """What the index depends on besides the corpus and the model."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes() if path.exists() else b"-")
    return digest.hexdigest()[:6]
