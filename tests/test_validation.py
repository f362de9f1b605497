"""Request validation (treatyqa.validation) on its own: no model, no index."""

from __future__ import annotations

import unicodedata

import pytest

from treatyqa.errors import InvalidQuestion
from treatyqa.validation import displayable, validate_question

MAX = 100


def refusal(raw: object, max_chars: int = MAX) -> InvalidQuestion:
    with pytest.raises(InvalidQuestion) as err:
        validate_question(raw, max_chars)
    return err.value


def test_a_question_comes_back_cleaned_and_composed():
    decomposed = unicodedata.normalize("NFD", "Кто несёт расходы?")  # ё as е + combining diaeresis
    assert decomposed != "Кто несёт расходы?"
    assert validate_question(f"  <b>{decomposed}</b>\u200b\n", MAX) == "Кто несёт расходы?"


@pytest.mark.parametrize("raw", [None, 42, ["Кто несет расходы?"], b"bytes"])
def test_anything_but_text_is_refused_in_three_languages(raw):
    err = refusal(raw)
    assert err.message("en") == "The question must be text."
    assert err.message("kk") == "Сұрақ мәтін болуы керек."
    assert err.message("ru") == "Вопрос должен быть текстом."


def test_the_limit_counts_the_cleaned_text():
    assert validate_question("я" * MAX, MAX) == "я" * MAX
    err = refusal("я" * (MAX + 1))
    assert f"at most {MAX} characters" in err.message("en")
    assert f"ең көбі {MAX} таңба" in err.message("kk") and f"не более {MAX} символов" in err.message("ru")
    # markup does not count: the same question wrapped in tags fits
    assert validate_question("<span>" * 20 + "я" * MAX, MAX) == "я" * MAX


def test_huge_input_is_refused_before_it_is_cleaned():
    tags = "<b></b>"
    fits = MAX * 4 // len(tags)  # the most copies within four times the limit
    assert "empty" in refusal(tags * fits).message("en")  # cleaned, and nothing was left
    assert "too long" in refusal(tags * (fits + 1)).message("en")  # refused before any cleaning


def test_a_lone_surrogate_is_broken_text():
    err = refusal("Кто \ud800 платит?")
    assert "broken encoding" in err.message("en") and "кодировка" in err.message("ru")


@pytest.mark.parametrize("raw", ["8.3", " 5.3. "])
def test_a_typed_citation_is_a_question_even_without_words(raw):
    assert validate_question(raw, MAX) == raw.strip()


@pytest.mark.parametrize("raw", ["?!...", "123 456", "— … —"])
def test_no_words_and_no_citation_is_refused(raw):
    assert refusal(raw).message("ru") == "В вопросе нет слов: задайте вопрос на казахском или русском языке."


def test_bidi_overrides_and_control_characters_become_spaces():
    assert validate_question("Кто\u202eнесет\x07расходы\u2066?", MAX) == "Кто несет расходы ?"


def test_displayable_keeps_text_and_replaces_only_what_utf8_cannot_carry():
    assert displayable("Кто <b>платит</b>?\x00") == "Кто <b>платит</b>?\x00"  # for echoing back, not cleaning
    assert displayable("a\ud800b\udfff") == "a\ufffdb\ufffd"
    assert displayable(None) == "" and displayable(5) == ""
