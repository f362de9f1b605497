"""The repairs of extracted text (treatyqa.textclean); the parser's use of them on the real
corpus is in test_parser.py."""

from __future__ import annotations

import pytest

from treatyqa.corpus import load_agreement
from treatyqa.domain import Citation
from treatyqa.textclean import clean_line, despace, fix_punctuation, letter_spaced_residue, split_sentences


def test_spaces_before_punctuation_and_inside_brackets_go():
    assert fix_punctuation("Тараптар , өз ; ( құзыреті ) шегінде .") == "Тараптар, өз; (құзыреті) шегінде."
    assert fix_punctuation("«Тараптар» – екі") == "«Тараптар» – екі"  # a dash keeps its spaces


def test_clean_line_joins_letters_then_fixes_punctuation():
    assert clean_line("Т а р а п т а р  ,  е ң   а л д ы м е н :", "kk") == "Тараптар, ең алдымен:"


def test_despace_trims_and_keeps_russian_one_letter_words():
    assert despace("  с ө з   б е н  ", "kk") == "сөз бен"
    assert despace("өтк і зу", "ru") == "өтк і зу"  # only Kazakh has no one-letter words


@pytest.mark.parametrize(
    ("line", "sentences"),
    [
        ("Первое. Второе! «Третье» здесь.", ["Первое.", "Второе!", "«Третье» здесь."]),
        ("Статья 2. (а) текст", ["Статья 2.", "(а) текст"]),
        ("т. е. в порядке, т.е. далее.", ["т. е. в порядке, т.е. далее."]),  # no capital after: one sentence
        ("Сұрау салынды. Әрі қарай.", ["Сұрау салынды.", "Әрі қарай."]),  # Kazakh capitals
        ("   ", []),
    ],
)
def test_split_sentences_at_a_stop_before_a_capital_digit_quote_or_bracket(line, sentences):
    assert split_sentences(line) == sentences


def test_sentences_of_the_real_text_join_back_to_it():
    agreement = load_agreement()
    for lang in ("kk", "ru"):
        for clause in agreement[lang].clauses():
            for line in clause.lines:
                assert " ".join(split_sentences(line)) == " ".join(line.split()), (clause.citation, line)
    assert len(split_sentences(agreement["ru"].clause(Citation(6, 3)).text)) == 2
    assert len(split_sentences(agreement["kk"].clause(Citation(6, 3)).text)) == 1  # the missing full stop


def test_residue_finds_four_or_more_spaced_letters_only():
    assert letter_spaced_residue("а б в г слово д е ж") == ["а б в г"]
    assert letter_spaced_residue("в и с о сөз") == ["в и с о"]
    assert letter_spaced_residue("т. е. а и б") == []
