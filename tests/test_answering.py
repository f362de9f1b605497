"""From ranked clauses to an answer (treatyqa.answering) on the real agreement: the
highlighted sentence or item in both languages, labels, messages. The ranking is given
by hand, so no model and no index are needed."""

from __future__ import annotations

import json

import pytest
from haystack import Document

from treatyqa.answering import MESSAGES, build_answer
from treatyqa.corpus import load_agreement
from treatyqa.domain import Agreement, Answer, Citation
from treatyqa.language import Detection
from treatyqa.normalization import NormalizedQuery


@pytest.fixture(scope="module")
def agreement() -> Agreement:
    return load_agreement()


def read_as(text: str, lang: str) -> NormalizedQuery:
    return NormalizedQuery(text, text, Detection(lang, "words", {lang: 1.0}, False), ())


def ranked(*citations: Citation, score: float | None = 0.5) -> list[Document]:
    return [
        Document(content="…", meta={"article": c.article, "paragraph": c.paragraph, "item": c.item}, score=score)
        for c in citations
    ]


def answer(agreement: Agreement, question: str, lang: str, *citations: Citation, top_k: int = 5,
           abstained: bool = False) -> Answer:
    return build_answer(question, read_as(question, lang), ranked(*citations), agreement, top_k, abstained)


def test_a_list_item_is_the_highlight_in_both_languages(agreement):
    hit = answer(agreement, "Нужно ли излагать существо дела?", "ru", Citation(5, 3, 2)).hits[0]
    assert hit.highlight_text == {"kk": "істің мән-жайын баяндау;", "ru": "изложение существа дела;"}
    assert hit.highlight == "изложение существа дела;"
    assert hit.label == "Статья 5, пункт 3"  # the item is a field of the hit, not part of its label
    assert hit.text["ru"] == agreement["ru"].clause(Citation(5, 3)).text


def test_the_sentence_sharing_most_words_is_marked_and_aligned_across_languages(agreement):
    hit = answer(agreement, "Переводят ли на русский язык?", "ru", Citation(10)).hits[0]
    assert hit.highlight_text == {
        "kk": "Басқа тілдер пайдаланылған жағдайда Тараптар орыс тіліне ауызша және жазбаша аударманы қамтамасыз етеді.",
        "ru": "В случае использования других языков Стороны обеспечивают устный и письменный перевод на русский язык.",
    }


def test_no_shared_word_marks_the_first_sentence(agreement):
    hit = answer(agreement, "Пицца?", "ru", Citation(10)).hits[0]
    assert hit.highlight == agreement["ru"].clause(Citation(10)).segments()[0]


def test_one_kazakh_sentence_two_russian_ones_are_aligned_by_position(agreement):
    # 6.3: a full stop is missing in the Kazakh text, so it is one sentence where Russian has two
    ru_text = agreement["ru"].clause(Citation(6, 3)).text
    kk_text = agreement["kk"].clause(Citation(6, 3)).text
    second = "Запрашивающая Сторона соблюдает условия, на которых ей оказывается содействие."
    hit = answer(agreement, "Какие условия соблюдает запрашивающая Сторона?", "ru", Citation(6, 3)).hits[0]
    assert hit.highlight == second and hit.highlight_text["kk"] == kk_text
    kazakh = answer(agreement, "Сұрау салушы Тарап құпиялылықты сақтай ма?", "kk", Citation(6, 3)).hits[0]
    assert kazakh.highlight == kk_text
    assert kazakh.highlight_text["ru"] == ru_text  # both Russian sentences, as one span of the text


def test_labels_titles_status_and_the_translators_note(agreement):
    result = answer(agreement, "Көмек көрсету туралы сұрау салуда не көрсетілуі керек?", "kk", Citation(6, 3), Citation(9))
    first, second = result.hits
    assert (first.label, second.label) == ("6-бап, 3-тармақ", "9-бап")
    assert first.title == {"kk": agreement["kk"].title_of(6), "ru": agreement["ru"].title_of(6)}
    assert first.status == {"kk": "authentic", "ru": "working_translation"}
    assert first.note is not None and first.note.lang == "ru" and "бас тарту мүмкін бе" in first.note.note
    assert second.note is None


def test_top_k_cuts_the_ranking_and_a_missing_score_is_zero(agreement):
    docs = ranked(Citation(9), Citation(10), Citation(5, 3), score=None)
    result = build_answer("q", read_as("Кто платит?", "ru"), docs, agreement, 2, False)
    assert [h.citation for h in result.hits] == [Citation(9), Citation(10)]
    assert [h.score for h in result.hits] == [0.0, 0.0]


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_message_says_answered_or_abstained_in_the_questions_language(agreement, lang):
    assert answer(agreement, "x", lang, Citation(9)).message == MESSAGES["answered"][lang]
    withheld = answer(agreement, "x", lang, Citation(9), abstained=True)
    assert withheld.abstained and withheld.hits
    assert withheld.message == MESSAGES["abstained"][lang] + " " + MESSAGES["nearest"][lang]


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_a_citation_the_agreement_lacks_is_said_first(agreement, lang):
    # "Статья 16" alone: no hits, and the message says why (not "the nearest clauses below")
    alone = build_answer("Статья 16", read_as("Статья 16", lang), [], agreement, 5, True, (Citation(16),))
    assert alone.abstained and not alone.hits and alone.not_in_agreement == (Citation(16),)
    assert alone.message == MESSAGES["no_article"][lang].format(article=16, last=15)
    # "9.2": article 9 has no numbered paragraphs; its text is the answer, after the notice
    fallback = build_answer("ст. 9 п. 2", read_as("ст. 9 п. 2", lang), ranked(Citation(9)), agreement, 5, False, (Citation(9, 2),))
    assert fallback.message == MESSAGES["no_paragraph"][lang].format(article=9, paragraph=2) + " " + MESSAGES["answered"][lang]
    assert Answer.from_dict(fallback.to_dict()).not_in_agreement == (Citation(9, 2),)


def test_digits_alone_are_not_called_another_language(agreement):
    result = build_answer("15.4", read_as("15.4", "und"), [], agreement, 5, True, (Citation(15, 4),))
    assert result.message == "В статье 15 Соглашения нет пункта 4."


def test_a_third_language_is_named_and_answered_with_russian_labels(agreement):
    result = answer(agreement, "Who pays the costs?", "en", Citation(9))
    assert result.language == "en" and result.hits[0].label == "Статья 9"
    assert result.message == MESSAGES["other_language"]["ru"].format(lang="en") + " " + MESSAGES["answered"]["ru"]


def test_the_answer_as_json_is_what_the_cli_and_the_api_print(agreement):
    result = answer(agreement, "Что должен содержать запрос?", "ru", Citation(5, 3, 2), Citation(6, 3))
    data = json.loads(json.dumps(result.to_dict(), ensure_ascii=False))
    assert list(data) == ["question", "language", "abstained", "message", "read_as", "not_in_agreement", "hits"]
    assert data["read_as"]["text"] == "Что должен содержать запрос?" and data["read_as"]["language"] == "ru"
    item, noted = data["hits"]
    assert (item["article"], item["paragraph"], item["item"]) == (5, 3, 2)
    assert item["citation"] == "Статья 5, пункт 3"
    assert item["citations"] == {"kk": "5-бап, 3-тармақ", "ru": "Статья 5, пункт 3"}
    assert item["highlights"]["kk"] == "істің мән-жайын баяндау;"
    assert item["title"] == item["titles"]["ru"] and item["translator_note"] is None
    assert noted["translator_note"]["lang"] == "ru" and noted["translator_note"]["literal"]


def test_the_published_http_schema_is_the_answers_json(agreement):
    # the HTTP models forbid unknown keys: a field Answer.to_dict gains without the schema fails here
    from treatyqa.web.http import AskResponse

    for result in (
        answer(agreement, "Что должен содержать запрос?", "ru", Citation(5, 3, 2), Citation(6, 3)),
        answer(agreement, "Айлық қанша?", "kk", Citation(9), abstained=True),
        build_answer("Статья 16", read_as("Статья 16", "ru"), [], agreement, 5, True, (Citation(16), Citation(9, 2))),
    ):
        data = result.to_dict()
        assert AskResponse.model_validate(data).model_dump() == data
