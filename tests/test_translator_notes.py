"""Translator's notes on the working translation, and the highlight across unequal sentence counts."""

from __future__ import annotations

import json
import shutil

import pytest
from haystack import Document

from treatyqa.answering import build_answer
from treatyqa.cli import format_answer
from treatyqa.corpus import DEFAULT_CORPUS_DIR, load_agreement, load_agreement_from
from treatyqa.domain import Citation
from treatyqa.language import Detection
from treatyqa.normalization import NormalizedQuery
from treatyqa.parser import CorpusError

NOTED = {Citation(6, 3), Citation(7, 4), Citation(7, 5), Citation(8, 4)}


def answer_for(citation: Citation, question: str, lang: str):
    doc = Document(content="", meta={"article": citation.article, "paragraph": citation.paragraph}, score=1.0)
    query = NormalizedQuery(question, question, Detection(lang, "given"), ())
    return build_answer(question, query, [doc], load_agreement(), top_k=1, abstained=False)


def test_the_four_departures_carry_a_note_with_the_literal_reading():
    agreement = load_agreement()
    assert set(agreement.notes) == NOTED
    for citation, note in agreement.notes.items():
        assert note.lang == "ru" and note.note and note.literal
        assert note.literal != agreement["ru"].clause(citation).text  # the literal reading differs
    # 7.5 is not a swap of the Parties: the note says so and names the word that is
    assert "сақтамай" in agreement.notes[Citation(7, 5)].note
    assert "названы верно" in agreement.notes[Citation(7, 5)].note


def test_hit_json_and_cli_show_the_note_and_only_where_there_is_one():
    noted = answer_for(Citation(8, 4), "Кто уведомляет об использовании информации?", "ru")
    data = noted.to_dict()["hits"][0]["translator_note"]
    assert data["lang"] == "ru" and "болғызады" in data["note"] and data["literal"].startswith("Если это")
    assert "Примечание переводчика" in format_answer(noted)
    plain = answer_for(Citation(5, 3), "Что должен содержать запрос?", "ru")
    assert plain.to_dict()["hits"][0]["translator_note"] is None
    assert "Примечание переводчика" not in format_answer(plain)


def test_6_3_kazakh_question_marks_both_russian_sentences_of_its_one_sentence():
    agreement = load_agreement()
    kk = agreement["kk"].clause(Citation(6, 3))
    ru = agreement["ru"].clause(Citation(6, 3))
    assert len(kk.segments()) == 1 and len(ru.segments()) == 2  # the full stop is missing in the Kazakh text
    hit = answer_for(Citation(6, 3), "Сұрау салушы Тарап қандай шарттарды сақтайды?", "kk").hits[0]
    assert hit.highlight_text["kk"] == kk.segments()[0]
    assert hit.highlight_text["ru"] == " ".join(ru.segments())  # not only the first Russian sentence
    assert hit.highlight_text["ru"] in ru.text  # a span of the text itself
    # a Russian question about the second sentence marks it, and the one Kazakh sentence that holds it
    hit = answer_for(Citation(6, 3), "Соблюдает ли запрашивающая Сторона условия содействия?", "ru").hits[0]
    assert hit.highlight_text["ru"] == ru.segments()[1]
    assert hit.highlight_text["kk"] == kk.segments()[0]


def test_a_note_on_a_clause_that_does_not_exist_is_a_corpus_error(tmp_path):
    folder = tmp_path / "corpus"
    shutil.copytree(DEFAULT_CORPUS_DIR, folder, ignore=shutil.ignore_patterns("__*"))
    notes = json.loads((folder / "notes.json").read_text(encoding="utf-8"))
    notes["notes"]["6.9"] = {"note": "…", "literal": "…"}
    (folder / "notes.json").write_text(json.dumps(notes, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CorpusError, match="6.9"):
        load_agreement_from(folder)
