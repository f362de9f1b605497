"""The real app (``python app.py``) driven in headless Debian Chromium through Playwright.

Run: ``pytest -m browser`` (the first start builds the index: about two minutes; set
TREATYQA_CACHE_DIR to reuse the converted model). ``TREATYQA_SCREENSHOTS=1`` also writes
docs/chat-kk.png and docs/chat-ru.png.
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest_app import ROOT, app_server, browser_context  # noqa: F401  (fixtures)
from treatyqa.web.i18n import t

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RU_QUESTION = "Какие сведения должен содержать запрос об оказании содействия?"
KK_QUESTION = "Көмек көрсету туралы сұрау салуда қандай мәліметтер көрсетілуі керек?"
KK_5_3 = "Көмек көрсету туралы сұрау салуда:"
RU_5_3 = "Запрос об оказании содействия должен содержать:"
ANSWERS = "#tq-chat .tq-answer, #tq-chat .tq-error"


@pytest.fixture()
def page(browser_context, app_server):  # noqa: F811
    """A fresh tab on the chat; every request it makes must stay on the app's own origin."""
    tab = browser_context.new_page()
    requests: list[str] = []
    dialogs: list[str] = []
    tab.on("request", lambda req: requests.append(req.url))
    tab.on("dialog", lambda dlg: (dialogs.append(dlg.message), dlg.dismiss()))
    tab.goto(app_server.url)
    tab.wait_for_selector("#tq-question textarea")
    tab.wait_for_selector("#tq-ask")
    tab.requests = requests  # type: ignore[attr-defined]
    yield tab
    tab.close()
    outside = [u for u in requests if not (u.startswith(app_server.url) or u.startswith(("data:", "blob:")))]
    assert outside == [], f"the page loaded from outside the app: {outside}"
    assert dialogs == [], f"a script ran in the page: {dialogs}"


def ask(page, question: str):
    """Type a question, click the button, wait for the new answer (or message); return it."""
    before = page.locator(ANSWERS).count()
    page.fill("#tq-question textarea", question)
    page.click("#tq-ask")
    page.wait_for_function(
        "([sel, n]) => document.querySelectorAll(sel).length > n", arg=[ANSWERS, before], timeout=60_000
    )
    return page.locator(ANSWERS).last


def switch_language(page, lang: str):
    name = {"kk": "Қазақша", "ru": "Русский"}[lang]
    page.locator("#tq-ui-lang label", has_text=name).click()
    page.wait_for_function(
        "text => document.querySelector('#tq-ask').innerText.trim() === text", arg=t("ask", lang), timeout=60_000
    )


def screenshot(page, name: str) -> None:
    if os.environ.get("TREATYQA_SCREENSHOTS"):
        page.wait_for_timeout(400)  # let the scroll to the answer settle
        page.screenshot(path=str(ROOT / "docs" / name), full_page=True)


def check_5_3(answer, label: str, ui: str) -> None:
    primary = answer.locator(".tq-primary")
    assert primary.count() == 1
    assert primary.locator(".tq-cite-label").inner_text().startswith(label)
    kk = primary.locator(".tq-side .tq-col.tq-lang-kk")
    ru = primary.locator(".tq-side .tq-col.tq-lang-ru")
    assert KK_5_3 in kk.inner_text()
    assert RU_5_3 in ru.inner_text()
    assert "tq-status-authentic" in kk.get_attribute("class")
    assert "tq-status-working_translation" in ru.get_attribute("class")
    assert t("status_working_translation", ui) in ru.inner_text()
    # the best-matching sentence or list item is highlighted in both texts
    assert kk.locator("mark").count() == 1 and ru.locator("mark").count() == 1
    assert kk.locator("mark").is_visible() and ru.locator("mark").is_visible()
    # both columns side by side: same row, kk on the left
    kb, rb = kk.bounding_box(), ru.bounding_box()
    assert kb and rb and abs(kb["y"] - rb["y"]) < 2 and kb["x"] < rb["x"]


def test_russian_question_cites_article_5_paragraph_3_with_both_texts(page):
    switch_language(page, "ru")
    answer = ask(page, RU_QUESTION)
    check_5_3(answer, "Статья 5, пункт 3", "ru")
    assert answer.locator(".tq-primary .tq-cite-alt").inner_text().startswith("5-бап, 3-тармақ")
    assert answer.locator(".tq-further .tq-secondary").count() >= 1  # further hits below
    assert page.locator("#tq-chat .tq-question").last.inner_text() == RU_QUESTION
    screenshot(page, "chat-ru.png")


def test_kazakh_question_cites_article_5_paragraph_3_with_both_texts(page):
    assert page.locator("#tq-ask").inner_text().strip() == t("ask", "kk")  # Kazakh interface by default
    answer = ask(page, KK_QUESTION)
    check_5_3(answer, "5-бап, 3-тармақ", "kk")
    assert answer.locator(".tq-primary .tq-cite-alt").inner_text().startswith("Статья 5, пункт 3")
    screenshot(page, "chat-kk.png")


def test_interface_language_switch_relabels_everything(page):
    ask(page, RU_QUESTION)
    for lang in ("ru", "kk", "ru"):
        switch_language(page, lang)
        # expect() retries: the components are relabelled by one update, but rendered one by one
        expect(page.locator("#tq-question label, #tq-question span").filter(has_text=t("question_label", lang)).first).to_be_visible()
        expect(page.locator("#tq-fb-helpful")).to_have_text(t("feedback_helpful", lang))
        expect(page.locator("#tq-fb-wrong")).to_have_text(t("feedback_wrong", lang))
        expect(page.locator("#tq-header h1")).to_have_text(t("app_title", lang))
        expect(page.get_by_role("tab", name=t("browse_heading", lang))).to_have_count(1)
        expect(page.get_by_text(t("examples", lang), exact=True).first).to_be_visible()
        # the answer already in the chat is re-rendered in the new interface language...
        head = page.locator(ANSWERS).last.locator(".tq-primary .tq-col.tq-lang-kk .tq-col-head")
        expect(head).to_contain_text(t("lang_kk", lang), ignore_case=True)
        # ...while its citation stays in the question's language
        label = page.locator(ANSWERS).last.locator(".tq-primary .tq-cite-label")
        expect(label).to_have_text(re.compile(r"^Статья 5, пункт 3"))


def test_examples_in_both_languages_fill_the_question_box(page):
    examples = page.locator("#tq-examples button, #tq-examples .gallery-item, #tq-examples td")
    texts = " ".join(examples.all_inner_texts())
    assert re.search("[әғқңөұүһі]", texts) and "Какие сведения" in texts
    page.locator("#tq-examples").get_by_text("Кто несёт расходы", exact=False).first.click()
    page.wait_for_function("() => document.querySelector('#tq-question textarea').value.startsWith('Кто несёт')")


@pytest.mark.parametrize("verdict", ["helpful", "wrong_citation"])
def test_feedback_button_stores_a_record(page, app_server, verdict):  # noqa: F811
    button = "#tq-fb-helpful" if verdict == "helpful" else "#tq-fb-wrong"
    page.click(button)  # nothing answered yet in this session
    page.wait_for_function(
        "text => document.querySelector('#tq-fb-status').innerText.includes(text)", arg=t("feedback_nothing", "kk")
    )
    question = f"{RU_QUESTION} ({verdict})"
    ask(page, question)
    page.click(button)
    page.wait_for_function(
        "text => document.querySelector('#tq-fb-status').innerText.includes(text)", arg=t("feedback_thanks", "kk")
    )
    records = [json.loads(x) for x in Path(app_server.feedback_path).read_text(encoding="utf-8").splitlines()]
    mine = [r for r in records if r["question"] == question]
    assert len(mine) == 1
    record = mine[0]
    assert record["verdict"] == verdict and record["language"] == "ru" and record["ui_language"] == "kk"
    assert (record["citations"][0]["article"], record["citations"][0]["paragraph"]) == (5, 3)
    assert record["citations"][0]["citation"].startswith("Статья 5, пункт 3")
    when = datetime.fromisoformat(record["time"])
    assert abs(datetime.now(timezone.utc) - when) < timedelta(minutes=5)


def test_open_the_whole_article_and_browse_by_article(page):
    answer = ask(page, RU_QUESTION)
    details = answer.locator(".tq-primary details.tq-open-article")
    assert not details.locator("table").is_visible()
    details.locator("summary").click()
    table = details.locator("table.tq-article-table")
    expect(table).to_be_visible()
    assert table.locator("tr.tq-clause").count() == 4  # article 5 has four paragraphs
    cited = table.locator("tr.tq-cited")
    assert cited.count() == 1 and "tq-c-5-3" in cited.get_attribute("class")
    # the browse tab follows the answer to its article, the cited clause marked
    page.get_by_role("tab", name=t("browse_heading", "kk")).click()
    view = page.locator("#tq-article .tq-article-view.tq-article-5")
    expect(view).to_be_visible()
    assert "tq-c-5-3" in view.locator("tr.tq-cited").get_attribute("class")
    # and any article can be chosen
    page.locator("#tq-browse input").click()
    page.get_by_role("option", name=re.compile("^10-бап")).click()
    page.wait_for_selector("#tq-article .tq-article-view.tq-article-10")
    text = page.locator("#tq-article").inner_text()
    assert "Тілдер" in text and "Языки" in text and "орыс тілін пайдаланады" in text


@pytest.mark.parametrize(
    ("ui", "question", "expected"),
    [
        ("kk", "", "Сұрақ бос"),
        ("ru", "", "Вопрос пуст"),
        ("ru", "   \n  ", "Вопрос пуст"),
        ("kk", "Сұрақ " * 400, "Сұрақ тым ұзын"),
        ("ru", "ы" * 6000, "Вопрос слишком длинный"),
        ("ru", "<b></b><img src=x onerror=alert(1)><script></script>", "Вопрос пуст"),
        ("kk", "?!… 42", "Сұрақта сөз жоқ"),
    ],
)
def test_bad_input_gets_a_clear_message_in_the_interface_language(page, ui, question, expected):
    if ui != "kk":
        switch_language(page, ui)
    message = ask(page, question)
    assert "tq-error" in message.get_attribute("class")
    assert message.inner_text().startswith(expected)
    # what was typed is kept, so it can be corrected
    assert page.locator("#tq-question textarea").input_value() == question


def test_user_text_is_never_rendered_as_html(page):
    question = '<b>Что</b> должен <i>содержать</i> запрос <img src=x onerror=alert(1)>?'
    answer = ask(page, question)
    shown = page.locator("#tq-chat .tq-question").last
    assert shown.inner_text() == question
    assert shown.locator("b, i, img, script").count() == 0
    assert page.locator("#tq-chat img[src='x']").count() == 0
    assert "tq-answer" in answer.get_attribute("class")  # the markup was ignored, the question answered


def test_control_characters_are_harmless(page):
    page.evaluate(
        """q => { const ta = document.querySelector('#tq-question textarea');
                  ta.value = q; ta.dispatchEvent(new Event('input', {bubbles: true})); }""",
        "Что\u0007 должен\u001b содержать\u0000 запрос\u202e об оказании содействия?",
    )
    before = page.locator(ANSWERS).count()
    page.click("#tq-ask")
    page.wait_for_function("([s, n]) => document.querySelectorAll(s).length > n", arg=[ANSWERS, before])
    answer = page.locator(ANSWERS).last
    assert "tq-answer" in answer.get_attribute("class")
    assert answer.locator(".tq-primary .tq-cite-label").inner_text().startswith("Статья 5")


def test_history_stays_in_the_session_and_can_be_cleared(page):
    ask(page, RU_QUESTION)
    ask(page, KK_QUESTION)
    assert page.locator("#tq-chat .tq-question").count() == 2
    assert page.locator("#tq-chat .tq-answer").count() == 2
    page.click("#tq-clear")
    page.wait_for_function("() => document.querySelectorAll('#tq-chat .tq-question').length === 0")


def test_enter_submits_the_question(page):
    page.fill("#tq-question textarea", RU_QUESTION)
    page.press("#tq-question textarea", "Enter")
    page.wait_for_selector("#tq-chat .tq-answer")
    expect(page.locator("#tq-question textarea")).to_have_value("")  # cleared after an answer


def test_api_page_shows_only_ask_and_loads_nothing_from_outside(page):
    page.get_by_text("Use via API").click()
    page.get_by_text("/ask", exact=True).first.wait_for()
    assert page.get_by_text("/ask", exact=True).count() >= 1
    page.wait_for_timeout(1000)  # let the panel fetch what it fetches: the fixture checks where from
