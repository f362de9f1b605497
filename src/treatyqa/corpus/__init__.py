"""The one entry to the agreement: both language versions, aligned, with provenance.

>>> from treatyqa.corpus import load_agreement
>>> agreement = load_agreement()
>>> agreement["kk"].clause(Citation(5, 3)).lead_in
'Көмек көрсету туралы сұрау салуда:'
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from treatyqa.domain import LANGUAGES, Agreement, AgreementText, Citation, Provenance, TranslatorNote
from treatyqa.parser import CorpusError, parse_file
from treatyqa.settings import Settings

DEFAULT_CORPUS_DIR = Path(__file__).resolve().parent


def corpus_dir(settings: Settings) -> Path:
    """The settings' corpus folder (``TREATYQA_CORPUS_DIR``, e.g. with the official Russian
    text) or the bundled corpus."""
    return settings.corpus_dir or DEFAULT_CORPUS_DIR


def _read_json(path: Path):
    """A corpus JSON file, any fault named with the file."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CorpusError(str(path), f"cannot be read ({exc.strerror})") from exc
    except json.JSONDecodeError as exc:
        raise CorpusError(str(path), f"not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    except UnicodeDecodeError as exc:
        raise CorpusError(str(path), f"not UTF-8 text ({exc.reason})") from exc


def _read_manifest(folder: Path) -> dict:
    path = folder / "manifest.json"
    data = _read_json(path)
    if not isinstance(data, dict):
        raise CorpusError(str(path), "must be a JSON object with \"agreement\" and \"texts\"")
    return data


STATUSES = ("authentic", "working_translation")


def _text_entry(manifest: dict, lang: str, path: Path) -> dict:
    """The manifest's entry for ``lang``, with every field it needs checked (a plain
    CorpusError naming the field, not a KeyError)."""
    texts = manifest.get("texts")
    entry = texts.get(lang) if isinstance(texts, dict) else None
    if entry is None:
        raise CorpusError(str(path), f"no entry for language {lang!r} under \"texts\"")
    if not isinstance(entry, dict):
        raise CorpusError(str(path), f"texts.{lang} must be an object with file, status and description")
    for key in ("file", "status", "description"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise CorpusError(str(path), f"texts.{lang} has no {key!r} (a non-empty string)")
    if entry["status"] not in STATUSES:
        raise CorpusError(str(path), f"texts.{lang}.status must be one of {', '.join(STATUSES)}, not {entry['status']!r}")
    if Path(entry["file"]).name != entry["file"]:
        raise CorpusError(str(path), f"texts.{lang}.file must be a file name in the corpus folder, not {entry['file']!r}")
    return entry


def _article_count(manifest: dict, path: Path) -> int:
    agreement = manifest.get("agreement")
    count = agreement.get("articles") if isinstance(agreement, dict) else None
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise CorpusError(str(path), "agreement.articles must be the number of articles (a whole number)")
    return count


def check_alignment(texts: dict[str, AgreementText], expected_articles: int) -> None:
    """Every clause must exist in every language with the same identity and list shape."""
    for text in texts.values():
        if len(text.articles) != expected_articles:
            missing = len(text.articles) + 1
            raise CorpusError(text.source, f"article {missing} is missing (expected {expected_articles} articles)", missing)
    reference = texts["kk"]
    for lang, text in texts.items():
        if lang == "kk":
            continue
        ref_clauses = {c.citation: c for c in reference.clauses()}
        for clause in text.clauses():
            ref = ref_clauses.pop(clause.citation, None)
            cit = clause.citation
            if ref is None:
                raise CorpusError(text.source, f"clause has no counterpart in {reference.source}", cit.article, cit.paragraph)
            if len(ref.items) != len(clause.items):
                raise CorpusError(
                    text.source,
                    f"{len(clause.items)} list items here but {len(ref.items)} in {reference.source}",
                    cit.article,
                    cit.paragraph,
                )
        for cit in ref_clauses:
            raise CorpusError(text.source, f"clause of {reference.source} is missing here", cit.article, cit.paragraph)


def read_notes(path: Path, lang: str, text: AgreementText) -> dict[Citation, TranslatorNote]:
    """The translator's notes of one translation, keyed by clause; every key must be a clause of it."""
    data = _read_json(path)
    notes: dict[Citation, TranslatorNote] = {}
    for key, entry in data.get("notes", {}).items():
        citation = Citation.from_key(key)  # a clause: "5.3" or "9"
        try:
            if citation is None or citation.item is not None:
                raise KeyError(key)
            text.clause(citation)
        except KeyError:
            raise CorpusError(str(path), f"note {key!r} names no clause of the agreement") from None
        notes[citation] = TranslatorNote(lang, entry["note"], entry["literal"])
    return notes


def load_agreement_from(folder: Path) -> Agreement:
    manifest = _read_manifest(folder)
    texts: dict[str, AgreementText] = {}
    provenance: dict[str, Provenance] = {}
    notes: dict[Citation, TranslatorNote] = {}
    digest = hashlib.sha256()
    manifest_path = folder / "manifest.json"
    articles = _article_count(manifest, manifest_path)
    for lang in LANGUAGES:
        entry = _text_entry(manifest, lang, manifest_path)
        path = folder / entry["file"]
        texts[lang] = parse_file(path, lang)
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        digest.update(f"{lang}:{sha}:{entry['status']}\n".encode())
        provenance[lang] = Provenance(lang, entry["status"], entry["description"], entry["file"], sha)
    check_alignment(texts, articles)
    for lang in LANGUAGES:  # not part of the digest: notes do not change the index
        if manifest["texts"][lang].get("notes"):
            notes.update(read_notes(folder / manifest["texts"][lang]["notes"], lang, texts[lang]))
    return Agreement(texts=texts, provenance=provenance, corpus_hash=digest.hexdigest()[:12], notes=notes)


def corpus_signature(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """Name, modification time and size of each file of a corpus folder: a serving process
    compares it once a second to notice an edited corpus without reading the texts."""
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return ()
    out = []
    for path in entries:
        try:
            info = path.stat()
        except OSError:  # removed between listing and stat
            continue
        if path.is_file():
            out.append((path.name, info.st_mtime_ns, info.st_size))
    return tuple(out)


@lru_cache(maxsize=4)
def _load_cached(folder: str) -> Agreement:
    return load_agreement_from(Path(folder))


def load_agreement(folder: Path | None = None) -> Agreement:
    """Load (once per process) the bilingual agreement from ``folder`` (a serving process
    passes :func:`corpus_dir` of its settings) or the bundled corpus."""
    return _load_cached(str((folder or DEFAULT_CORPUS_DIR).resolve()))


__all__ = ["Citation", "CorpusError", "check_alignment", "corpus_dir", "corpus_signature", "load_agreement", "load_agreement_from"]
