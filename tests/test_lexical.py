"""Lexical terms and BM25 (treatyqa.lexical) on the real agreement text, without an index."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import pytest

from treatyqa.corpus import load_agreement
from treatyqa.domain import Citation
from treatyqa.lexical import BM25, content_words, russian_stem, stems, term_index, terms, query_vector


@pytest.fixture(scope="module")
def agreement():
    return load_agreement()


def test_content_words_drop_function_words_fold_case_and_yo():
    assert content_words("Кто НЕСЁТ расходы по Соглашению?", "ru") == ["несет", "расходы", "соглашению"]
    assert content_words("Шығыстарды кім көтереді және қашан?", "kk") == ["шығыстарды", "көтереді"]
    assert content_words("статья_5, 2008 жыл", "ru") == ["статья", "5", "2008", "жыл"]  # "_" splits, digits stay


def test_kazakh_terms_are_a_short_and_a_long_prefix():
    # күшіне (enters into force) and күшін (its force) share the short stem, not the long one
    assert terms("күшіне", "kk") == ["күші", "^күшіне"]
    assert terms("күшін", "kk") == ["күші", "^күшін"]
    assert terms("бап", "kk") == ["бап"]  # no long term for a word of four letters or fewer


def test_russian_terms_are_the_snowball_stem_and_a_prefix():
    # Snowball keeps стажировок apart from стажировку; the prefix term brings them together
    assert terms("стажировок", "ru") == ["стажировок", "^стажи"]
    assert terms("стажировку", "ru") == ["стажировк", "^стажи"]
    assert stems("Стороны несут расходы", "ru") == ["сторон", "несут", "расход"]


def test_other_language_codes_use_the_russian_rules():
    assert terms("Стороны несут расходы", "en") == terms("Стороны несут расходы", "ru")
    assert content_words("и в на", "de") == []


def test_term_indices_are_stable_crc32_values():
    # the index stores these numbers: a change of hashing would silently miss every stored term
    assert term_index("^стажи") == 4101040973
    assert term_index("запрос") == 352373873


def test_query_vector_has_one_unit_per_distinct_term_in_every_language_given():
    single = query_vector("расходы расходы расходов", "ru")
    assert single.values == [1.0] * len(single.indices)
    assert single.indices == sorted({term_index(t) for t in terms("расходы расходов", "ru")})
    kk, ru = (set(query_vector("Тараптар расходы", code).indices) for code in ("kk", "ru"))
    assert kk != ru
    assert set(query_vector("Тараптар расходы", ["kk", "ru"]).indices) == kk | ru


def test_idf_and_saturation():
    bm25 = BM25.fit([["a", "b"], ["a"], ["a", "c"], ["a", "b", "b", "b"]])
    assert (bm25.n_docs, bm25.avg_len, bm25.doc_freq) == (4, 2.25, {"a": 4, "b": 2, "c": 1})
    assert bm25.idf("c") == pytest.approx(math.log(1 + 3.5 / 1.5))
    assert bm25.idf("c") > bm25.idf("b") > bm25.idf("a") > 0
    assert bm25.idf("never seen") > bm25.idf("c")
    one, three = (dict(zip(v.indices, v.values)) for v in (bm25.vector(["b", "x"]), bm25.vector(["b", "b", "b", "x"])))
    b = term_index("b")
    # a term said three times weighs more than once but less than three times as much
    # (the longer document is also normalised down)
    assert one[b] < three[b] < 3 * one[b]
    short, long = (dict(zip(v.indices, v.values)) for v in (bm25.vector(["c"]), bm25.vector(["c", "x", "y", "z"])))
    assert short[term_index("c")] > long[term_index("c")]


def test_fit_on_no_documents_does_not_divide_by_zero():
    bm25 = BM25.fit([])
    assert bm25.n_docs == 0 and bm25.avg_len == 0.0
    assert bm25.idf("x") == pytest.approx(math.log(2))


@pytest.mark.parametrize(
    ("lang", "question", "best"),
    [
        ("ru", "Кто несет расходы?", Citation(9)),
        ("kk", "Шығыстарды кім көтереді?", Citation(9)),
        ("ru", "стажировка сотрудников", Citation(2, 2)),
        ("kk", "Тараптар қай тілді пайдаланады?", Citation(10)),
    ],
)
def test_bm25_on_the_agreement_ranks_the_clause_that_answers_first(agreement, lang, question, best):
    clauses = agreement[lang].clauses()
    doc_terms = [terms(c.text, lang) for c in clauses]
    bm25 = BM25.fit(doc_terms)
    asked = set(query_vector(question, lang).indices)

    def score(words: list[str]) -> float:  # the dot product with a query vector of units
        vec = bm25.vector(words)
        return sum(w for i, w in zip(vec.indices, vec.values) if i in asked)

    scores = {c.citation: score(words) for c, words in zip(clauses, doc_terms)}
    ranked = sorted(scores, key=scores.__getitem__, reverse=True)
    assert ranked[0] == best and scores[ranked[0]] > scores[ranked[1]]


def test_russian_stemming_is_safe_across_threads(agreement):
    words = [w for c in agreement["ru"].clauses() for w in content_words(c.text, "ru")]
    expected = [russian_stem(w) for w in words]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: [russian_stem(w) for w in words], range(8)))
    assert all(result == expected for result in results)
