"""Broken copies of the real corpus files give errors that name the file, article and paragraph."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from treatyqa.corpus import DEFAULT_CORPUS_DIR, corpus_signature, load_agreement_from
from treatyqa.parser import CorpusError


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(DEFAULT_CORPUS_DIR, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return folder


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def _cut_article(path: Path, heading: str, next_heading: str) -> None:
    text = path.read_text(encoding="utf-8")
    start, end = text.index(f"\n{heading}\n"), text.index(f"\n{next_heading}\n")
    path.write_text(text[:start] + text[end:], encoding="utf-8")


def test_the_copy_itself_loads(corpus):
    assert len(load_agreement_from(corpus)["kk"].articles) == 15


@pytest.mark.parametrize(("lang", "heading", "next_heading"), [("kk", "7-бап", "8-бап"), ("ru", "Статья 7", "Статья 8")])
def test_missing_article(corpus, lang, heading, next_heading):
    _cut_article(corpus / f"{lang}.txt", heading, next_heading)
    with pytest.raises(CorpusError) as err:
        load_agreement_from(corpus)
    assert err.value.path.endswith(f"{lang}.txt") and err.value.article == 7
    assert "missing" in str(err.value)


def test_missing_last_article_is_caught_by_the_count(corpus):
    path = corpus / "ru.txt"
    text = path.read_text(encoding="utf-8")
    start = text.index("\nСтатья 15\n")
    closing = text.index("      Совершено")
    path.write_text(text[:start] + "\n" + text[closing:], encoding="utf-8")
    with pytest.raises(CorpusError, match=r"ru\.txt, article 15: article 15 is missing"):
        load_agreement_from(corpus)


def test_duplicated_article_number(corpus):
    _edit(corpus / "kk.txt", "\n9-бап\n", "\n8-бап\n")
    with pytest.raises(CorpusError, match=r"kk\.txt, article 8: article number appears twice"):
        load_agreement_from(corpus)


def test_out_of_order_article(corpus):
    _edit(corpus / "ru.txt", "\nСтатья 9\n", "\nСтатья X\n")
    _edit(corpus / "ru.txt", "\nСтатья 8\n", "\nСтатья 9\n")
    _edit(corpus / "ru.txt", "\nСтатья X\n", "\nСтатья 8\n")
    with pytest.raises(CorpusError, match=r"ru\.txt, article 8: article out of order \(after article 9\)"):
        load_agreement_from(corpus)


def test_repeated_paragraph_number(corpus):
    _edit(corpus / "kk.txt", "      3. Сұрау салынатын Тарап өз пікірі", "      2. Сұрау салынатын Тарап өз пікірі")
    with pytest.raises(CorpusError, match=r"kk\.txt, article 7, paragraph 2: paragraph number repeated"):
        load_agreement_from(corpus)


def test_paragraph_missing_in_one_language(corpus):
    path = corpus / "ru.txt"
    text = path.read_text(encoding="utf-8")
    line = next(l for l in text.splitlines() if l.startswith("      4. Каждая") or l.startswith("      4. Если это предусмотрено"))
    path.write_text(text.replace(line + "\n", ""), encoding="utf-8")
    with pytest.raises(CorpusError) as err:
        load_agreement_from(corpus)
    assert (err.value.article, err.value.paragraph) == (8, 4)
    assert err.value.path.endswith("ru.txt") and "missing here" in err.value.reason


def test_list_item_mismatch_between_languages(corpus):
    path = corpus / "ru.txt"
    text = path.read_text(encoding="utf-8")
    line = next(l for l in text.splitlines() if l.strip() == "изложение существа дела;")
    path.write_text(text.replace(line + "\n", ""), encoding="utf-8")
    with pytest.raises(CorpusError, match=r"ru\.txt, article 5, paragraph 3: 4 list items here but 5"):
        load_agreement_from(corpus)


def test_truncated_file(corpus):
    path = corpus / "kk.txt"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("      Сочи қаласында")], encoding="utf-8")
    with pytest.raises(CorpusError, match=r"kk\.txt, article 15: closing formula not found"):
        load_agreement_from(corpus)


def test_not_utf8(corpus):
    (corpus / "kk.txt").write_bytes("Келісім".encode("cp1251"))
    with pytest.raises(CorpusError, match=r"kk\.txt: not UTF-8"):
        load_agreement_from(corpus)


def test_broken_manifest(corpus):
    (corpus / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(CorpusError, match=re.escape("manifest.json: not valid JSON")):
        load_agreement_from(corpus)


def test_the_signature_changes_with_an_edit_and_only_then(corpus, tmp_path):
    before = corpus_signature(corpus)
    assert {name for name, _, _ in before} >= {"kk.txt", "ru.txt", "manifest.json"}
    assert corpus_signature(corpus) == before
    ru = corpus / "ru.txt"
    ru.write_text(ru.read_text(encoding="utf-8").replace("самостоятельно несут", "сами несут"), encoding="utf-8")
    assert corpus_signature(corpus) != before
    assert corpus_signature(tmp_path / "nowhere") == ()
