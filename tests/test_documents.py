"""The documents an index is built from (treatyqa/documents.py), from the real agreement
and the real question files, and the data hash that makes an index stale."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from treatyqa.documents import (
    QuestionFileError,
    agreement_documents,
    all_documents,
    data_hash,
    doc_id,
    out_of_scope_documents,
    question_documents,
)
from treatyqa.corpus import load_agreement
from treatyqa.domain import Agreement, Citation


@pytest.fixture(scope="module")
def agreement() -> Agreement:
    return load_agreement()


@pytest.fixture(scope="module")
def documents(agreement):
    return all_documents(agreement)


def write_lines(path: Path, *records: dict | str) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records),
                    encoding="utf-8")
    return path


def test_ids_name_language_level_and_citation():
    assert doc_id("kk", "clause", Citation(5, 3)) == "kk:clause:5.3"
    assert doc_id("ru", "item", Citation(2, 1, 13)) == "ru:item:2.1.13"
    assert doc_id("ru", "question", Citation(9), 17) == "ru:question:9#17"


def test_both_languages_have_the_same_documents_and_each_points_at_its_counterpart(agreement):
    docs = agreement_documents(agreement)
    counts = Counter((d.meta["lang"], d.meta["level"]) for d in docs)
    assert counts == {(lang, level): n for lang in ("kk", "ru") for level, n in (("article", 15), ("clause", 36), ("item", 35))}
    ids = {d.id for d in docs}
    assert len(ids) == len(docs)
    for d in docs:
        assert d.meta["counterpart_id"] in ids and d.meta["counterpart_id"].split(":", 1)[0] != d.meta["lang"]
        assert d.id.split(":")[2] == Citation(d.meta["article"], d.meta["paragraph"], d.meta["item"]).key()


def test_an_item_carries_its_lead_in_as_context_and_its_own_citation(agreement):
    docs = {d.id: d for d in agreement_documents(agreement)}
    item = docs["ru:item:5.3.2"]
    assert item.content == "изложение существа дела;"
    assert item.meta["context"] == "Запросы об оказании содействия. Запрос об оказании содействия должен содержать:"
    assert item.meta["citation"] == "Статья 5, пункт 3, подпункт 2" and item.meta["clause"] == "5.3"
    assert docs["kk:item:5.3.2"].meta["citation"] == "5-бап, 3-тармақ, 2-тармақша"
    assert docs["kk:clause:0"].meta["title"] == "Кіріспе" and docs["ru:clause:0"].meta["citation"] == "Преамбула"
    article = docs["ru:article:7"]
    assert article.content.startswith("1. ") and "\n6. " in article.content
    assert article.meta["status"] == "working_translation" and docs["kk:article:7"].meta["status"] == "authentic"


def test_the_projects_question_files_make_question_and_offtopic_documents(agreement, documents):
    levels = Counter(d.meta["level"] for d in documents)
    assert levels["question"] >= 36 * 2 * 4 and levels["offtopic"] > 0
    ids = {d.id for d in documents}
    assert len(ids) == len(documents)
    for d in documents:
        if d.meta["level"] == "question":
            # a stored question leads to the other language's clause, not to another question
            assert d.meta["counterpart_id"].split(":")[1] == "clause" and d.meta["counterpart_id"] in ids
        if d.meta["level"] == "offtopic":
            assert d.meta["article"] is None and d.content.strip() == d.content != ""
    assert len(all_documents(agreement, data_files=())) == len(agreement_documents(agreement))


def test_a_question_file_with_blank_lines_and_items(tmp_path, agreement):
    path = write_lines(
        tmp_path / "q.jsonl",
        {"article": 5, "paragraph": 3, "item": 2, "lang": "ru", "question": "  Нужно ли излагать суть дела? "},
        "",
        {"article": 9, "lang": "kk", "question": "Шығысты кім төлейді?"},
    )
    first, second = question_documents(agreement, path)
    assert (first.id, first.content) == ("ru:question:5.3.2#1", "Нужно ли излагать суть дела?")
    assert first.meta["counterpart_id"] == "kk:clause:5.3" and first.meta["item"] == 2
    assert second.id == "kk:question:9#3"  # numbered by line, blank lines included


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ('{"article": 5, "lang": "ru"', "malformed line"),
        ({"article": 5, "paragraph": 3, "lang": "ru"}, "malformed line"),  # no question
        ({"article": 16, "lang": "ru", "question": "?"}, "unknown clause 16"),
        ({"article": 5, "paragraph": 9, "lang": "ru", "question": "?"}, "unknown clause 5.9"),
        ({"article": 9, "lang": "en", "question": "Who pays?"}, "language 'en'"),
        ({"article": 9, "lang": "ru", "question": "   "}, "unknown clause 9"),
        ({"article": 5, "paragraph": 3, "item": 6, "lang": "ru", "question": "?"}, "clause 5.3 has no item 6"),
    ],
)
def test_a_bad_question_line_is_named_with_file_and_line(tmp_path, agreement, record, reason):
    path = write_lines(tmp_path / "q.jsonl", {"article": 9, "lang": "ru", "question": "Кто платит?"}, record)
    with pytest.raises(QuestionFileError, match=reason) as err:
        question_documents(agreement, path)
    assert str(err.value).startswith(f"{path}:2: ")


def test_out_of_scope_lines(tmp_path):
    path = write_lines(tmp_path / "o.jsonl", {"lang": "ru", "question": " Какая зарплата? "})
    (doc,) = out_of_scope_documents(path)
    assert (doc.id, doc.content, doc.meta["level"]) == ("ru:offtopic:1", "Какая зарплата?", "offtopic")
    with pytest.raises(QuestionFileError, match=r"o2.jsonl:1: unknown language 'uk'"):
        out_of_scope_documents(write_lines(tmp_path / "o2.jsonl", {"lang": "uk", "question": "Яка зарплата?"}))


def test_data_hash_changes_with_any_byte_and_tells_missing_from_empty(tmp_path):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text('{"x": 1}\n')
    b.write_text("")
    before = data_hash((a, b))
    assert len(before) == 6 and int(before, 16) >= 0
    assert data_hash((a, b)) == before  # deterministic
    a.write_text('{"x": 2}\n')
    assert data_hash((a, b)) != before
    assert data_hash((a, tmp_path / "missing.jsonl")) != data_hash((a, b))
