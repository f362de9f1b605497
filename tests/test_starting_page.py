"""The starting page and its ``/api/*`` answers over a real :class:`StartupState` (no server)."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from treatyqa.progress import Step
from treatyqa.web.i18n import STRINGS
from treatyqa.web.starting import CSP, StartingApp, duration, starting_error, starting_page
from treatyqa.web.startup import StartupCancelled, StartupState, StartupView


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_starting_page_is_both_languages_self_refreshing_and_local():
    view = StartupView("index", 428, 1542, 116.0, 54.0)
    page = starting_page(view, "ru")
    assert page.index('lang="ru"') < page.index('<section lang="kk">')
    assert "Запуск: построение индекса (обработано документов: 428 из 1542)…" in page
    assert "Іске қосылуда: индекс құрылуда (өңделген құжаттар: 1542 ішінен 428)…" in page
    assert "Осталось примерно 1 мин 56 с." in page and "Шамамен 1 мин 56 с қалды." in page
    assert '<meta http-equiv="refresh" content="3">' in page
    assert '<progress max="1542" value="428">' in page
    assert "<script" not in page and not re.search(r"(src|href)=", page)
    assert starting_page(StartupView("<b>x</b>"), "kk").count("<b>") == 0  # an unknown stage is not echoed
    assert duration(-3) == "0 с"


def test_starting_strings_exist_in_both_languages():
    keys = [key for key in STRINGS if key.startswith("starting_")]
    assert len(keys) == 8
    for key in keys:
        assert STRINGS[key]["kk"].strip() and STRINGS[key]["ru"].strip() and STRINGS[key]["kk"] != STRINGS[key]["ru"]


def test_starting_app_answers_the_page_and_the_api_error_shape():
    clock = Clock()
    state = StartupState(lambda message: None, clock=clock)
    client = TestClient(StartingApp(state))
    page = client.get("/", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert page.status_code == 200 and "TreatyQA запускается" in page.text and "Запуск…" in page.text
    assert page.headers["content-security-policy"] == CSP and page.headers["cache-control"] == "no-store"
    assert client.get("/config").status_code == 503
    state.count(Step("index", 64, 1542, 20.0))
    health = client.get("/api/health")
    assert health.status_code == 503 and health.headers["retry-after"] == "3"
    body = health.json()
    assert body == starting_error(state.view())
    assert (body["status"], body["stage"], body["done"], body["total"]) == ("starting", "index", 64, 1542)
    assert body["error"].startswith("TreatyQA is starting: building the index (64 of 1542 documents)")
    ask = client.post("/api/ask", json={"question": "Кто несет расходы?"})
    assert ask.status_code == 503 and ask.json()["status"] == "starting"
    assert client.head("/").content == b""


def test_a_cancelled_start_stops_at_its_next_report():
    said: list[str] = []
    state = StartupState(said.append)
    state("Preparing the embedding model…")
    state.cancel()
    for report in (lambda: state("Building the index…"), lambda: state.count(Step("index", 32, 1542, 1.0))):
        try:
            report()
        except StartupCancelled:
            continue
        raise AssertionError("a report after cancel() went through")
    assert said == ["Preparing the embedding model…"]
    assert not isinstance(StartupCancelled(), Exception)  # no "except Exception" turns it into a fault
