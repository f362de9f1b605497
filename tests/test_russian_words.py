"""The Russian dictionary shared by threads (pymorphy3; the look-ups themselves are the module's doctests)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from treatyqa import russian_words
from treatyqa.russian_words import is_russian_word, russian_lemmas

WORDS = ["несет", "несут", "зарплата", "Положена", "расхды", "запроса", "ёлка", "сотрудничество", "тармақ"]


def test_one_dictionary_serves_every_thread_with_the_same_answers():
    # one analyzer per thread (~20 MB each) grew the server with every new worker thread
    sequential = [(is_russian_word(w), russian_lemmas(w)) for w in WORDS]
    is_russian_word.cache_clear()
    russian_lemmas.cache_clear()

    def ask(word: str) -> tuple[bool, frozenset[str], int]:
        return is_russian_word(word), russian_lemmas(word), id(russian_words._analyzer())

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(ask, WORDS * 8))
    assert [(known, lemmas) for known, lemmas, _ in answers] == sequential * 8
    assert len({analyzer for _, _, analyzer in answers}) == 1
