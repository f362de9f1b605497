"""The abstention features and rule: pure functions on hand-made documents, then the
calibrated rule on the real index."""

from __future__ import annotations

import json

import pytest
from haystack import Document

from treatyqa.documents import agreement_documents
from treatyqa.abstention import (
    Abstention,
    AbstentionFeatures,
    LanguageRule,
    Vocabulary,
    offtopic_gap,
    question_features,
)
from treatyqa.answering import MESSAGES
from treatyqa.api import CALIBRATION_FILE, load_calibration
from treatyqa.corpus import load_agreement
from treatyqa.language import Detection
from treatyqa.normalization import NormalizedQuery


def doc(level: str, score: float, content: str = "x", lang: str = "ru") -> Document:
    return Document(content=content, meta={"level": level, "lang": lang}, score=score)


def test_offtopic_gap_is_the_difference_of_the_three_nearest_means():
    dense = [doc("question", 0.95), doc("offtopic", 0.93), doc("clause", 0.91), doc("offtopic", 0.90),
             doc("item", 0.89), doc("article", 0.99), doc("offtopic", 0.84)]
    # articles are not clause-level evidence; offtopic (0.93+0.90+0.84)/3, clause-level (0.95+0.91+0.89)/3
    assert offtopic_gap(dense) == pytest.approx((0.93 + 0.90 + 0.84) / 3 - (0.95 + 0.91 + 0.89) / 3)


def test_missing_neighbours_count_at_the_weakest_candidate():
    dense = [doc("clause", 0.9), doc("question", 0.8), doc("clause", 0.7), doc("offtopic", 0.75), doc("clause", 0.6)]
    assert offtopic_gap(dense) == pytest.approx((0.75 + 0.6 + 0.6) / 3 - (0.9 + 0.8 + 0.7) / 3)
    assert offtopic_gap([]) is None


def test_unknown_share_counts_stems_no_answering_document_contains():
    vocabulary = Vocabulary.from_documents(
        [
            doc("clause", 1, "Запрос об оказании содействия направляется в письменной форме"),
            doc("question", 1, "Кто оплачивает командировку?"),
            doc("offtopic", 1, "Какой оклад у инспектора?"),  # out of scope: not vocabulary
            doc("clause", 1, "Сұрау салу жазбаша нысанда жіберіледі", lang="kk"),
        ]
    )
    assert vocabulary.unknown_share("В какой форме направляется запрос?", "ru") == 0.0
    assert vocabulary.unknown_share("Какой оклад у инспектора?", "ru") == 1.0
    assert vocabulary.unknown_share("Запросы оплачивает инспектор", "ru") == pytest.approx(1 / 3)
    assert vocabulary.unknown_share("Сұрау қалай жіберіледі?", "kk") == 0.0
    assert vocabulary.unknown_share("?!", "ru") == 0.0
    # a stored question scored as if new: its own words do not count as known
    assert vocabulary.unknown_share("Кто оплачивает командировку?", "ru", held_out="Кто оплачивает командировку?") == 1.0


def test_a_russian_word_is_known_by_its_lemma_in_any_form():
    # the agreement's «несут» makes a question's «несет» known; Snowball stems the two apart
    vocabulary = Vocabulary.from_documents([doc("clause", 1, "Стороны самостоятельно несут расходы")])
    assert vocabulary.unknown_share("Кто несет расходы?", "ru") == 0.0
    assert vocabulary.unknown_share("Шығыстарды кто несет?", ["kk", "ru"]) == pytest.approx(1 / 2)  # шығыстарды: no Kazakh text
    assert vocabulary.unknown_share("Кто оплачивает расходы?", "ru") == pytest.approx(1 / 2)
    # held out, its own lemmas do not count either
    assert vocabulary.unknown_share("Стороны несут расходы", "ru", held_out="Стороны самостоятельно несут расходы") == 1.0


def test_rule_abstains_above_zero_and_never_without_dense_evidence():
    rule = Abstention({"ru": LanguageRule(offtopic_gap=100.0, unknown_share=4.0, bias=-1.0)})
    assert rule.abstain(AbstentionFeatures(0.0, 0.3), "ru")  # 1.2 - 1 > 0
    assert not rule.abstain(AbstentionFeatures(0.0, 0.2), "ru")  # 0.8 - 1 < 0
    assert rule.abstain(AbstentionFeatures(0.02, 0.0), "kk")  # no kk rule: the ru one applies
    assert not rule.abstain(None, "ru")


def test_uncalibrated_rule_abstains_when_out_of_scope_questions_are_nearer():
    rule = Abstention()
    assert rule.abstain(AbstentionFeatures(0.01, 0.0), "kk")
    assert not rule.abstain(AbstentionFeatures(-0.01, 1.0), "ru")  # unknown words alone do not decide
    assert LanguageRule(2.0, 3.0, -1.0).score(AbstentionFeatures(0.5, 0.25)) == pytest.approx(0.75)


def test_rules_round_trip_through_their_dict():
    data = {"rules": {"kk": {"offtopic_gap": 30.0, "unknown_share": 2.5, "bias": -0.8},
                      "ru": {"offtopic_gap": 25.0, "unknown_share": 3.0, "bias": -1.1}}}
    rule = Abstention.from_dict(data)
    assert rule.rule("kk") == LanguageRule(30.0, 2.5, -0.8) and rule.rule("en") == LanguageRule(25.0, 3.0, -1.1)
    assert Abstention.from_dict({}) == Abstention()


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return Vocabulary.from_documents(agreement_documents(load_agreement()))


def read_as(text: str, lang: str, mixed: bool = False) -> NormalizedQuery:
    return NormalizedQuery(text, text, Detection(lang, "words", {}, mixed), ())


def test_features_of_a_question_as_it_was_read(vocabulary):
    agreement_words = read_as("Стороны несут расходы", "ru")
    assert question_features(agreement_words, 0.02, vocabulary) == AbstentionFeatures(0.02, 0.0)
    salary = question_features(read_as("Какой оклад у инспектора?", "ru"), -0.1, vocabulary)
    assert salary.offtopic_gap == -0.1 and salary.unknown_share == 1.0
    assert question_features(agreement_words, None, vocabulary) is None  # lexical-only: nothing to judge by


def test_a_third_language_is_judged_by_the_gap_alone(vocabulary):
    assert question_features(read_as("Who pays the salary?", "en"), 0.03, vocabulary) == AbstentionFeatures(0.03, 0.0)


def test_a_mixed_question_knows_a_word_known_in_either_language(vocabulary):
    # шығыстар is the agreement's Kazakh for расходы; read as Russian only it is unknown
    assert question_features(read_as("шығыстар расходы", "ru"), 0.0, vocabulary).unknown_share == 0.5
    assert question_features(read_as("шығыстар расходы", "ru", mixed=True), 0.0, vocabulary).unknown_share == 0.0


def test_calibration_file_holds_a_rule_per_language():
    data = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))
    _, abstention = load_calibration()
    assert set(abstention.rules) == {"kk", "ru"}
    assert abstention == Abstention.from_dict(data["abstention"])
    for rule in abstention.rules.values():
        # nearer to out-of-scope questions, and more unknown words, both push towards abstaining
        assert rule.offtopic_gap > 0 and rule.unknown_share > 0


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("Какой оклад положен участковому инспектору полиции в Алматы?", "ru"),
        ("Алматыдағы учаскелік полиция инспекторының жалақысы қанша?", "kk"),
        ("Сколько стоит билет на поезд из Москвы в Астану?", "ru"),
    ],
)
def test_questions_the_agreement_does_not_answer_abstain(qa, question, lang):
    answer = qa.ask(question)
    assert answer.abstained and answer.message == MESSAGES["abstained"][lang] + " " + MESSAGES["nearest"][lang]
    assert answer.hits  # the nearest clauses are still shown


@pytest.mark.slow
@pytest.mark.parametrize(
    "question",
    [
        "Что должен содержать запрос о содействии?",
        "Көмек көрсету туралы сұрау салуда не көрсетілуі керек?",
        "Кто несёт расходы по выполнению соглашения?",
    ],
)
def test_questions_it_answers_do_not_abstain(qa, question):
    assert not qa.ask(question).abstained


@pytest.mark.slow
def test_lexical_only_retrieval_never_abstains(qa):
    assert not qa.ask("Какой оклад положен участковому инспектору полиции в Алматы?", mode="lexical").abstained
