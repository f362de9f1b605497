"""The Python API, the CLI and the Haystack component over the real index and model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from haystack import Pipeline

from treatyqa.components import ClauseFusion, LexicalTextEmbedder
from treatyqa.treaty_retriever import TreatyRetriever
from treatyqa.domain import Citation
from treatyqa.errors import IndexUnavailable, InvalidQuestion
from treatyqa.language import detect_language
from treatyqa.settings import Settings
from treatyqa.validation import clean_question

ROOT = Path(__file__).resolve().parents[1]
RU_Q = "Что должен содержать запрос о содействии?"
KK_Q = "Көмек көрсету туралы сұрау салуда не көрсетілуі керек?"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Шығыстарды кім көтереді?", "kk"),
        ("сұрау", "kk"),
        ("Келісім", "kk"),
        ("Тараптар орыс тілін пайдаланады", "kk"),  # langdetect says uk here
        ("Кто несет расходы?", "ru"),
        ("запрос", "ru"),
        ("Расходы", "ru"),
        ("Що має містити запит?", "uk"),
        ("What must a request contain about the case?", "en"),
        ("12345 ???", "und"),
    ],
)
def test_language_detection(text, lang):
    assert detect_language(text).lang == lang


@pytest.mark.slow
@pytest.mark.parametrize(("question", "lang", "label"), [(RU_Q, "ru", "Статья 5, пункт 3"), (KK_Q, "kk", "5-бап, 3-тармақ")])
def test_request_contents_question_cites_5_3_with_both_texts(qa, question, lang, label):
    answer = qa.ask(question, top_k=5)
    assert answer.language == lang and not answer.abstained
    top = answer.hits[0]
    assert (top.citation.article, top.citation.paragraph) == (5, 3)
    assert top.label == label
    assert top.text["kk"].startswith("Көмек көрсету туралы сұрау салуда:")
    assert top.text["ru"].startswith("Запрос об оказании содействия должен содержать:")
    assert top.status == {"kk": "authentic", "ru": "working_translation"}
    assert top.highlight in top.text[lang]


@pytest.mark.slow
def test_explicit_language_and_modes(qa):
    forced = qa.ask("Кто несет расходы?", lang="kk")
    assert forced.language == "kk" and forced.hits[0].label.endswith("бап")
    for mode in ("dense", "lexical", "hybrid"):
        assert qa.ask("Кто несет расходы по соглашению?", mode=mode).hits[0].citation == Citation(9)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "fragment"),
    [
        ("", "пуст"),
        ("   \n\t ", "пуст"),
        ("x" * 5000, "слишком длинный"),
        ("?!... 123", "нет слов"),
        ("<script></script>", "пуст"),
        ("<script>alert(1)</script>", "пуст"),
        ('<style>p{color:red}</style><!-- Кто несет расходы? --><script src="x.js">', "пуст"),
    ],
)
def test_bad_questions_get_a_clear_message(qa, question, fragment):
    with pytest.raises(InvalidQuestion) as err:
        qa.ask(question)
    assert fragment in err.value.message("ru")
    assert err.value.message("kk") != err.value.message("ru")


@pytest.mark.slow
def test_markup_and_control_characters_are_text_not_code(qa):
    answer = qa.ask("<b>Кто</b> несет\x00 расходы?\u202e <img src=x onerror=alert(1)>")
    assert answer.question == "Кто несет расходы?"
    assert answer.hits[0].citation == Citation(9)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ('<script>alert("x")</script>Кто несет расходы?', "Кто несет расходы?"),
        ("<b>Кто</b> несет <i>расходы</i>?", "Кто несет расходы ?"),
        ("Кто <SCRIPT type='module'>fetch('/x')</script > несет <style>b{}</style>расходы<!-- ? -->", "Кто несет расходы"),
        ("Кто несет расходы <script>alert(1)", "Кто несет расходы"),  # unclosed: to the end, as a browser reads it
    ],
)
def test_script_style_and_comments_go_whole_other_tags_keep_their_text(raw, clean):
    assert clean_question(raw) == clean


@pytest.mark.slow
def test_other_language_is_answered_with_a_note(qa):
    answer = qa.ask("Who pays the costs of cooperation under this agreement?")
    assert answer.language == "en"
    assert "не на казахском" in answer.message
    assert answer.hits[0].label.startswith("Статья")
    assert not answer.abstained  # its English words are not "unknown" evidence against the agreement


@pytest.mark.slow
def test_missing_index_is_a_clear_error(tmp_path):
    from treatyqa.api import TreatyQA

    with pytest.raises(IndexUnavailable, match="python -m indexing"):
        TreatyQA(Settings.from_env(data_dir=tmp_path / "empty"))


@pytest.mark.slow
def test_cli_json_contract(data_copy):
    env = {**os.environ, "TREATYQA_DATA_DIR": str(data_copy)}
    out = subprocess.run(
        [sys.executable, "-m", "treatyqa", "ask", RU_Q, "--json", "--top-k", "3"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=600,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)  # exactly one JSON object
    assert set(result) >= {"question", "language", "abstained", "hits"}
    assert result["language"] == "ru" and result["abstained"] is False and len(result["hits"]) == 3
    hit = result["hits"][0]
    assert {k: hit[k] for k in ("article", "paragraph")} == {"article": 5, "paragraph": 3}
    assert set(hit) >= {"article", "paragraph", "item", "citation", "title", "text", "highlight", "score"}
    assert set(hit["text"]) == {"kk", "ru"} and isinstance(hit["score"], float)

    bad = subprocess.run(
        [sys.executable, "-m", "treatyqa", "ask", "   ", "--json"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=600,
    )
    assert bad.returncode == 2 and "error" in json.loads(bad.stdout)

    readable = subprocess.run(
        [sys.executable, "-m", "treatyqa", "ask", KK_Q, "--top-k", "1"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=600,
    )
    assert readable.returncode == 0 and "5-бап, 3-тармақ" in readable.stdout
    assert "ресми емес жұмыс аудармасы" in readable.stdout


def test_components_round_trip():
    for component in (
        ClauseFusion(clauses=[[5, 3], [9, None]], mode="dense", weights={"lexical": 0.2}),
        LexicalTextEmbedder(default_lang="kk"),
        TreatyRetriever(top_k=3, mode="lexical", data_dir="/tmp/x"),
    ):
        data = component.to_dict()
        again = type(component).from_dict(data)
        assert again.to_dict() == data
    with pytest.raises(ValueError, match="hybrid, dense, lexical"):
        TreatyRetriever(mode="bm25")
    with pytest.raises(ValueError, match="hybrid, dense, lexical"):
        ClauseFusion(clauses=[[1, None]], mode="rrf")


@pytest.mark.slow
def test_treaty_retriever_in_a_pipeline(data_copy):
    retriever = TreatyRetriever(top_k=3, data_dir=str(data_copy))
    pipeline = Pipeline()
    pipeline.add_component("treaty", retriever)
    again = Pipeline.loads(pipeline.dumps(), allowed_modules=["treatyqa.treaty_retriever"])
    assert again.get_component("treaty").to_dict() == retriever.to_dict()
    try:
        result = pipeline.run({"treaty": {"query": KK_Q}})["treaty"]
    finally:
        retriever.close()
    doc = result["documents"][0]
    assert (doc.meta["article"], doc.meta["paragraph"]) == (5, 3)
    assert doc.meta["citation"] == "5-бап, 3-тармақ" and doc.content.startswith("Көмек көрсету")
    assert result["answer"]["hits"][0]["citation"] == "5-бап, 3-тармақ"


@pytest.mark.slow
def test_stale_index_is_named_stale(data_copy, tmp_path):
    """A corpus change (here: a copy with one word edited) makes the built index stale."""
    import shutil

    from treatyqa.api import TreatyQA
    from treatyqa.corpus import DEFAULT_CORPUS_DIR

    corpus = tmp_path / "corpus"
    shutil.copytree(DEFAULT_CORPUS_DIR, corpus, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    ru = corpus / "ru.txt"
    ru.write_text(ru.read_text(encoding="utf-8").replace("самостоятельно несут", "сами несут"), encoding="utf-8")
    with pytest.raises(IndexUnavailable, match="stale"):
        TreatyQA(Settings.from_env(data_dir=data_copy, corpus_dir=corpus))
