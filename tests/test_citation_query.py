"""Citations typed into the search box (pure: the parser's clause list, no model)."""

import pytest

from treatyqa.citation_query import LookUp, lookup, parse_citations
from treatyqa.corpus import load_agreement
from treatyqa.domain import Citation

CLAUSES = load_agreement().citations()


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("статья 8 пункт 3", (8, 3)),
        ("Статья 8, пункт 3", (8, 3)),
        ("ст. 8 п. 3", (8, 3)),
        ("ст8 п3", (8, 3)),
        ("п. 3 ст. 8", (8, 3)),
        ("пункт 3 статьи 8", (8, 3)),
        ("8.3", (8, 3)),
        ("ч. 2 ст. 11", (11, 2)),
        ("5-бап 3-тармақ", (5, 3)),
        ("5 бап 3 тармак", (5, 3)),
        ("5-баптың 3-тармағы не дейді", (5, 3)),
        ("5-bap 3-tarmaq", (5, 3)),
        ("statya 8 punkt 3", (8, 3)),
    ],
)
def test_a_typed_clause_is_found(typed, expected):
    assert lookup(typed, CLAUSES).cited[0] == Citation(*expected)


@pytest.mark.parametrize("typed, article", [("Статья 10", 10), ("ст 12", 12), ("7-бап", 7), ("14 бапты көрсетші", 14), ("статья 14, о чём", 14)])
def test_an_article_gives_all_its_clauses_in_order(typed, article):
    found = lookup(typed, CLAUSES)
    assert found.cited == tuple(c for c in CLAUSES if c.article == article) and not found.missing


@pytest.mark.parametrize("typed", ["преамбула", "Преамбула соглашения", "кіріспе", "кириспе", "kirispe"])
def test_the_preamble(typed):
    assert lookup(typed, CLAUSES).cited == (Citation(0),)


def test_a_missing_paragraph_falls_back_to_the_article_and_is_named():
    found = lookup("статья 9 пункт 2", CLAUSES)  # article 9 has no numbered paragraphs
    assert found.cited == (Citation(9),) and found.missing == (Citation(9, 2),) and found.bare


@pytest.mark.parametrize(
    "typed, missing",
    [
        ("Статья 16", Citation(16)),
        ("ст. 20 п. 1", Citation(20, 1)),
        ("16-бап", Citation(16)),
        ("15.4", Citation(15, 4)),  # typed alone, a number is a citation
        ("15-бап 4-тармақ", Citation(15, 4)),
    ],
)
def test_a_citation_the_agreement_lacks_is_missing(typed, missing):
    found = lookup(typed, CLAUSES)
    assert found.missing == (missing,) and found.bare
    expected = tuple(c for c in CLAUSES if c.article == missing.article)  # () for an article it lacks
    assert found.cited == expected


def test_a_missing_citation_inside_a_question_is_not_bare():
    found = lookup("Статья 16 о расходах", CLAUSES)
    assert found.missing == (Citation(16),) and not found.bare and not found.cited


@pytest.mark.parametrize(
    "typed",
    [
        "Кто несет расходы по исполнению запроса?",
        "Келісім 23.10.2008 жылы жасалды ма?",  # a date is no citation
        "Сколько стоит 2.5 литра",  # a bare number that is no clause
        "Сұрау салуда не көрсетіледі?",
    ],
)
def test_questions_without_a_citation(typed):
    assert lookup(typed, CLAUSES) == LookUp()


def test_several_citations_keep_their_order():
    assert parse_citations("ст. 9, затем 5.3 и 3-бап") == (Citation(9), Citation(5, 3), Citation(3))
