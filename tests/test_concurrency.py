"""Questions computed at once by one TreatyQA give exactly the answers computed one by one."""

from __future__ import annotations

import concurrent.futures as cf
import threading

import pytest

pytestmark = pytest.mark.slow

QUESTIONS = [
    "Какие сведения должен содержать запрос об оказании содействия?",
    "Көмек көрсету туралы сұрау салуда қандай мәліметтер көрсетілуі керек?",
    "Какой язык используют Стороны при сотрудничестве?",
    "Тараптар ынтымақтастықта қай тілді пайдаланады?",
    "Кто несёт расходы по исполнению запроса?",
    "Сұрау салуды орындау шығыстарын кім көтереді?",
    "Когда Соглашение вступает в силу?",
    "Келісім қашан күшіне енеді?",
    "В каких случаях можно отказать в оказании содействия?",
    "Как приготовить борщ?",
    "статья 5 пункт 3",
    "7-бап",
]


def _key(answer) -> dict:
    data = answer.to_dict()
    data.pop("timings_ms", None)
    return data


def test_five_hundred_questions_at_once_equal_sequential(qa):
    sequential = {q: _key(qa.ask(q)) for q in QUESTIONS}
    before = qa.questions_answered
    peak = 0
    done = threading.Event()

    def watch() -> None:  # how many were computing at once (the facade's own count)
        nonlocal peak
        while not done.is_set():
            peak = max(peak, qa._computing)
            done.wait(0.001)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    asked = (QUESTIONS * 42)[:500]
    with cf.ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda q: (q, _key(qa.ask(q))), asked))
    done.set()
    watcher.join(10)
    assert qa.questions_answered - before == 500
    for question, got in answers:
        assert got == sequential[question], question
    assert 1 < peak <= qa.answering_slots  # several at once, never more than the slots
