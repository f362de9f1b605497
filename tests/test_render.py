"""Text parts of the chat's renderer (treatyqa.web.render) not covered by test_app_render.py:
filter words, copy text of a list item, the provenance line, and a whole answer built from
the real agreement without a model."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from haystack import Document

from treatyqa.answering import build_answer
from treatyqa.corpus import load_agreement
from treatyqa.domain import Agreement, Citation, Hit
from treatyqa.language import Detection
from treatyqa.normalization import NormalizedQuery
from treatyqa.web.i18n import t
from treatyqa.web.render import (
    citation_text,
    feedback_status,
    find_words,
    provenance_text,
    render_answer,
    search_clauses,
    shorten,
)


@pytest.fixture(scope="module")
def agreement() -> Agreement:
    return load_agreement()


def test_filter_words_are_two_letters_or_more_folded_and_unique():
    assert find_words("Расходы, РАСХОДЫ и т.п. сотрудник-эксперт") == ["расходы", "сотрудник-эксперт"]
    assert find_words("и а ?") == []


def test_every_filter_word_must_be_in_one_text(agreement):
    assert len(search_clauses(agreement, "стороны")) > 10
    assert [c.key() for c in search_clauses(agreement, "расходы стороны")] == ["9"]
    assert search_clauses(agreement, "расходы шығыстар") == []  # one word per language: no text holds both
    assert search_clauses(agreement, "и а") == []


def test_shorten_only_what_is_over_the_limit():
    assert shorten("абв", 3) == "абв"
    assert shorten("абвг", 3) == "абв …"


@pytest.mark.parametrize(("key", "citation"), [(" 5.3 ", Citation(5, 3)), ("5.", Citation(5)), ("100", None), ("5.3.2.1", None)])
def test_clause_keys_from_links_edge_cases(key, citation):
    assert Citation.from_key(key) == citation


def test_copy_text_of_a_list_item_quotes_the_item_alone(agreement):
    hit = Hit(
        citation=Citation(5, 3, 2), label="", title={}, highlight="", score=0.0,
        text={lang: c.text for lang, c in agreement.bilingual(Citation(5, 3)).items()},
        highlight_text={"kk": "істің мән-жайын баяндау;", "ru": "изложение существа дела;"},
        status={"kk": "authentic", "ru": "authentic"},
    )
    assert citation_text(hit, "ru").endswith("(5-бап, 3-тармақ, 2-тармақша) Соглашения между МВД РК и МВД РФ о "
                                             "сотрудничестве от 23.10.2008: «изложение существа дела;»")
    assert citation_text(hit, "kk").endswith("5-бап, 3-тармақ, 2-тармақша (Статья 5, пункт 3, подпункт 2): «істің мән-жайын баяндау;»")


def test_the_provenance_line_follows_the_manifest(agreement):
    both = replace(agreement, provenance={k: replace(p, status="authentic") for k, p in agreement.provenance.items()})
    for ui in ("kk", "ru"):
        assert provenance_text(agreement, ui) == t("provenance_note", ui)
        assert provenance_text(both, ui) == t("both_authentic_note", ui)
        assert provenance_text(None, ui) == t("provenance_note", ui)


def test_feedback_status_shows_only_known_states():
    assert feedback_status({"feedback": {"status": "feedback_thanks"}}, "ru") == t("feedback_thanks", "ru")
    failed = feedback_status({"feedback": {"status": "feedback_failed", "error": "диск полон"}}, "kk")
    assert failed == t("feedback_failed", "kk", error="диск полон")
    assert feedback_status({"feedback": {"status": "<script>"}}, "ru") == "" and feedback_status({}, "ru") == ""


def test_an_answer_built_from_the_agreement_renders_citation_first_with_the_item_marked(agreement):
    query = NormalizedQuery("q", "Нужно ли излагать существо дела?", Detection("ru", "words", {"ru": 1.0}), ())
    docs = [Document(content="…", meta={"article": 5, "paragraph": 3, "item": 2}, score=0.9),
            Document(content="…", meta={"article": 9, "paragraph": None, "item": None}, score=0.5)]
    answer = build_answer("q", query, docs, agreement, 5, False)
    html = render_answer(answer, "kk", agreement)
    text = [x for x in re.sub(r"<[^>]+>", "\n", html).split("\n") if x.strip()]
    assert text[:2] == ["Статья 5, пункт 3", "5-бап, 3-тармақ"]  # the question's language first
    assert "<li><mark>изложение существа дела;</mark></li>" in html
    assert "<li><mark>істің мән-жайын баяндау;</mark></li>" in html
    assert html.count('class="tq-hit tq-primary ') == 1 and html.count('class="tq-hit tq-secondary ') == 1
    withheld = render_answer(replace(answer, abstained=True), "ru", agreement)
    assert "tq-primary" not in withheld and t("abstained", "ru") in withheld
