"""The real parser on the real corpus files: structure, repairs, alignment."""

from __future__ import annotations

import re

import pytest

from treatyqa.corpus import load_agreement
from treatyqa.domain import Citation
from treatyqa.textclean import despace, letter_spaced_residue

PARAGRAPHS = {2: 2, 3: 2, 5: 4, 6: 4, 7: 6, 8: 4, 11: 3, 15: 3}
UNNUMBERED = {1, 4, 9, 10, 12, 13, 14}


@pytest.fixture(scope="module")
def agreement():
    return load_agreement()


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_fifteen_articles_and_a_preamble(agreement, lang):
    text = agreement[lang]
    assert [a.number for a in text.articles] == list(range(1, 16))
    assert text.preamble.citation == Citation(0)
    assert len(text.preamble.lines) == 5
    for article in text.articles:
        paragraphs = [c.citation.paragraph for c in article.clauses]
        if article.number in UNNUMBERED:
            assert paragraphs == [None], article.number
        else:
            assert paragraphs == list(range(1, PARAGRAPHS[article.number] + 1)), article.number
        assert article.title


def test_same_clause_identities_and_list_shapes_in_both_languages(agreement):
    kk, ru = agreement["kk"].clauses(), agreement["ru"].clauses()
    assert [c.citation for c in kk] == [c.citation for c in ru]
    assert [len(c.items) for c in kk] == [len(c.items) for c in ru]
    assert {c.citation.key(): len(c.items) for c in kk if c.items} == {"2.1": 13, "2.2": 8, "3.1": 9, "5.3": 5}


def test_no_extraction_artefacts_left_in_kazakh(agreement):
    kk = agreement["kk"]
    texts = [c.text for c in kk.clauses()] + [a.title for a in kk.articles] + [kk.title, kk.closing]
    for text in texts:
        assert letter_spaced_residue(text) == [], text
        assert not re.search(r"\s[,.;:]", text), text
        assert "  " not in text


def test_known_repairs(agreement):
    kk = agreement["kk"]
    art2 = kk.clause(Citation(2, 1))
    assert art2.lead_in == "Тараптар ең алдымен:"
    assert any("несие және есеп карталары" in item for item in art2.items)  # page break joined
    assert "дамытуға маңызды мән бере отырып," in kk.preamble.text
    assert "өткізу туралы сұрау салуларды орындау;" in kk.clause(Citation(3, 1)).items[1]
    assert kk.clause(Citation(7, 4)).text.endswith("сақтауы тиіс.")  # a line that started with "."
    assert "іліспе құжаттарының мазмұнының, сондай-ақ" in kk.clause(Citation(7, 5)).text  # started with ","


def test_editorial_note_and_closing_are_not_agreement_text(agreement):
    kk = agreement["kk"]
    assert kk.note == ("РҚАО-ның ескертпесі!", "Келісім 2008 жылғы 23 қазанда күшіне енді.")
    all_text = "\n".join(c.text for c in kk.clauses())
    assert "ескертпесі" not in all_text and "данада жасалды" not in all_text
    assert "екі данада жасалды" in kk.closing
    assert kk.signatures == "(Қолдары)"
    assert agreement["ru"].signatures == "(Подписи)"


def test_provenance_marks_the_translation(agreement):
    assert agreement.provenance["kk"].status == "authentic"
    assert agreement.provenance["ru"].status == "working_translation"
    assert len(agreement.corpus_hash) == 12


@pytest.mark.parametrize(
    ("raw", "lang", "expected"),
    [
        ("д а м ы т у ғ а  м а ң ы з д ы", "kk", "дамытуға маңызды"),
        ("Т а р а п т а р  е ң  а л д ы м е н :", "kk", "Тараптар ең алдымен:"),
        ("өтк і зу  туралы сұрау  салуларды", "kk", "өткізу туралы сұрау салуларды"),
        ("Р Қ А О - н ы ң  е с к е р т п е с і !", "kk", "РҚАО-ның ескертпесі!"),
        ("в случае и в порядке", "ru", "в случае и в порядке"),  # Russian one-letter words stay
    ],
)
def test_despace(raw, lang, expected):
    assert despace(raw, lang) == expected


def test_labels():
    assert Citation(5, 3).label("kk") == "5-бап, 3-тармақ"
    assert Citation(5, 3).label("ru") == "Статья 5, пункт 3"
    assert Citation(9).label("kk") == "9-бап"
    assert Citation(9).label("ru") == "Статья 9"
    assert Citation(2, 1, 5).clause == Citation(2, 1)
    assert Citation(5, 3).matches(Citation(5, None)) and not Citation(5, 3).matches(Citation(5, 2))
