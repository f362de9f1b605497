"""The real app (``python app.py``) driven in headless Debian Chromium through Playwright.

Run: ``pytest -m browser`` (the first start builds the index: about two minutes; set
TREATYQA_CACHE_DIR to reuse the converted model). ``TREATYQA_SCREENSHOTS=1`` also writes
the screenshots in docs/ (laptop and phone, light and dark, Kazakh and Russian).

Views: a laptop (1366×768) and a phone (390×844), each in the light and the dark theme
(Gradio follows the browser's ``prefers-color-scheme``).
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
EXCHANGES = "#tq-chat .tq-exchange"

VIEWS = {
    "laptop-light": (1366, 768, "light"),
    "laptop-dark": (1366, 768, "dark"),
    "phone-light": (390, 844, "light"),
    "phone-dark": (390, 844, "dark"),
}
TWO_VIEWS = ["laptop-light", "phone-dark"]

# Contrast of text against what is behind it, from computed styles: each colour is resolved
# by a canvas (any CSS colour syntax), backgrounds are composited up the ancestors.
CONTRAST_JS = """
(selectors) => {
  const canvas = document.createElement('canvas'); canvas.width = canvas.height = 1;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const rgba = (c) => { ctx.clearRect(0, 0, 1, 1); ctx.fillStyle = '#000'; ctx.fillStyle = c; ctx.fillRect(0, 0, 1, 1);
                        const d = ctx.getImageData(0, 0, 1, 1).data; return [d[0], d[1], d[2], d[3] / 255]; };
  const over = (top, under) => [0, 1, 2].map(i => top[i] * top[3] + under[i] * (1 - top[3]));
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let base = [255, 255, 255];
    if (!layers.length || layers[layers.length - 1][3] < 1) base = rgba(getComputedStyle(document.body).backgroundColor).slice(0, 3);
    for (let i = layers.length - 1; i >= 0; i--) base = over(layers[i], base);
    return base;
  };
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
                       return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const out = [];
  for (const sel of selectors) {
    const els = Array.from(document.querySelectorAll(sel)).filter(e => e.getClientRects().length && e.textContent.trim());
    for (const el of els.slice(0, 4)) {
      const bg = background(el);
      const fg = over(rgba(getComputedStyle(el).color), bg);
      const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
      out.push({sel, ratio: (a + 0.05) / (b + 0.05), fg, bg, text: el.textContent.trim().slice(0, 30)});
    }
    if (!els.length) out.push({sel, ratio: null});
  }
  return out;
}
"""
MEASURED = [
    "#tq-header h1", "#tq-header .tq-offline", ".tq-question", ".tq-q-label", ".tq-cite-label", ".tq-cite-alt",
    ".tq-col-head", ".tq-status", ".tq-col-cite", ".tq-text p", ".tq-text li", ".tq-answer mark",
    ".tq-tool", ".tq-fb-q", ".tq-hit-title", ".tq-further-heading", ".tq-snippet", ".tq-history-note",
]


def open_page(context, url: str, view: str = "laptop-light", path: str = ""):
    width, height, scheme = VIEWS[view]
    tab = context.new_page()
    tab.set_viewport_size({"width": width, "height": height})
    tab.emulate_media(color_scheme=scheme)
    # a fresh history for each test's tab (it stays across this tab's reloads)
    tab.add_init_script("if (!sessionStorage.getItem('tq-test')) { localStorage.clear(); sessionStorage.setItem('tq-test', '1'); }")
    requests: list[str] = []
    dialogs: list[str] = []
    errors: list[str] = []
    tab.on("request", lambda req: requests.append(req.url))
    tab.on("dialog", lambda dlg: (dialogs.append(dlg.message), dlg.dismiss()))
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.goto(url + path)
    tab.wait_for_selector("#tq-question textarea", state="attached")
    tab.wait_for_selector("#tq-ask", state="attached")  # a clause link opens the browse tab instead
    tab.wait_for_function("() => window.treatyqa !== undefined")
    tab.requests, tab.dialogs, tab.errors = requests, dialogs, errors  # type: ignore[attr-defined]
    return tab


def check_clean(tab, app_url: str) -> None:
    outside = [u for u in tab.requests if not (u.startswith(app_url) or u.startswith(("data:", "blob:")))]
    assert outside == [], f"the page loaded from outside the app: {outside}"
    assert tab.dialogs == [], f"a script ran in the page: {tab.dialogs}"
    assert tab.errors == [], f"the page's script failed: {tab.errors}"


@pytest.fixture(params=TWO_VIEWS)
def view(request):
    return request.param


@pytest.fixture()
def page(browser_context, app_server, view):  # noqa: F811
    """A fresh tab on the chat; every request it makes must stay on the app's own origin."""
    tab = open_page(browser_context, app_server.url, view)
    yield tab
    tab.close()
    check_clean(tab, app_server.url)


@pytest.fixture()
def laptop(browser_context, app_server):  # noqa: F811
    tab = open_page(browser_context, app_server.url, "laptop-light")
    yield tab
    tab.close()
    check_clean(tab, app_server.url)


def ask(page, question: str):
    """Type a question, click the button, wait for the new answer; return it."""
    before = page.locator(EXCHANGES).count()
    page.fill("#tq-question textarea", question)
    page.click("#tq-ask")
    page.wait_for_function("([sel, n]) => document.querySelectorAll(sel).length > n", arg=[EXCHANGES, before], timeout=60_000)
    return page.locator(EXCHANGES).last


def ask_bad(page, question: str):
    """A question that gets a notice, not an answer."""
    page.fill("#tq-question textarea", question)
    page.click("#tq-ask")
    notice = page.locator("#tq-notice .tq-error")
    expect(notice).to_be_visible(timeout=60_000)
    return notice


def switch_language(page, lang: str):
    name = {"kk": "Қазақша", "ru": "Русский"}[lang]
    page.locator("#tq-ui-lang label", has_text=name).click()
    page.wait_for_function(
        "text => document.querySelector('#tq-ask').innerText.trim() === text", arg=t("ask", lang), timeout=60_000
    )


def screenshot(page, name: str) -> None:
    if os.environ.get("TREATYQA_SCREENSHOTS"):
        page.wait_for_timeout(400)  # let the scroll to the answer settle
        page.screenshot(path=str(ROOT / "docs" / name), full_page=False)


def records(app_server) -> list[dict]:  # noqa: F811
    path = Path(app_server.feedback_path)
    if not path.exists():
        return []
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    size = page.viewport_size
    return bool(box) and box["y"] >= -1 and box["y"] < size["height"] and box["x"] >= -1 and box["x"] + box["width"] <= size["width"] + 1


def check_5_3(answer, label: str, ui: str, phone: bool = False) -> None:
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
    kb, rb = kk.bounding_box(), ru.bounding_box()
    if phone:  # one column: Kazakh above Russian
        assert kb and rb and kb["y"] + kb["height"] <= rb["y"] + 1
    else:  # side by side: same row, kk on the left
        assert kb and rb and abs(kb["y"] - rb["y"]) < 2 and kb["x"] < rb["x"]


# ---------------------------------------------------------------- answers and layout


def test_russian_question_cites_article_5_paragraph_3_with_both_texts(laptop):
    switch_language(laptop, "ru")
    answer = ask(laptop, RU_QUESTION)
    check_5_3(answer, "Статья 5, пункт 3", "ru")
    assert answer.locator(".tq-primary .tq-cite-alt").inner_text().startswith("5-бап, 3-тармақ")
    assert answer.locator(".tq-further .tq-secondary").count() >= 1  # further hits below
    assert answer.locator(".tq-q-text").inner_text() == RU_QUESTION
    # the citation of the new answer is in view, not above it
    assert in_viewport(laptop, answer.locator(".tq-primary .tq-cite-label"))
    screenshot(laptop, "chat-ru.png")


def test_kazakh_question_cites_article_5_paragraph_3_with_both_texts(laptop):
    assert laptop.locator("#tq-ask").inner_text().strip() == t("ask", "kk")  # Kazakh interface by default
    answer = ask(laptop, KK_QUESTION)
    check_5_3(answer, "5-бап, 3-тармақ", "kk")
    assert answer.locator(".tq-primary .tq-cite-alt").inner_text().startswith("Статья 5, пункт 3")
    screenshot(laptop, "chat-kk.png")


@pytest.mark.parametrize(("view_name", "ui"), [
    ("laptop-light", "kk"), ("laptop-dark", "ru"), ("phone-light", "ru"), ("phone-dark", "kk"),
])
def test_layout_fits_without_jump_or_overlap_and_text_is_readable(browser_context, app_server, view_name, ui):  # noqa: F811
    tab = open_page(browser_context, app_server.url, view_name, f"?lang={ui}")
    width, _, scheme = VIEWS[view_name]
    try:
        expect(tab.locator("#tq-ask")).to_have_text(t("ask", ui))
        tab.wait_for_timeout(500)
        # no jump on load: the title, the language switch and the tabs start on screen
        assert tab.evaluate("scrollY") == 0
        assert in_viewport(tab, tab.locator("#tq-header h1"))
        assert in_viewport(tab, tab.locator("#tq-ui-lang"))
        assert tab.evaluate("document.body.classList.contains('dark') || !!document.querySelector('.dark')") == (scheme == "dark")
        answer = ask(tab, KK_QUESTION if ui == "kk" else RU_QUESTION)
        check_5_3(answer, "5-бап, 3-тармақ" if ui == "kk" else "Статья 5, пункт 3", ui, phone=width < 500)
        tab.wait_for_timeout(300)
        # no horizontal scroll, nothing wider than the screen
        assert tab.evaluate("document.documentElement.scrollWidth") <= width
        wide = tab.evaluate(
            """(w) => Array.from(document.querySelectorAll('#tq-chat *')).filter(e => {
                 const r = e.getBoundingClientRect(); return r.width && r.right > w + 1; }).length""",
            width,
        )
        assert wide == 0
        # no nested scroll box around the answer
        boxes = tab.evaluate(
            """() => { const out = []; for (let e = document.querySelector('#tq-chat .tq-answer'); e; e = e.parentElement) {
                 const s = getComputedStyle(e); if (['auto', 'scroll'].includes(s.overflowY) && e.scrollHeight > e.clientHeight + 2
                 && e !== document.documentElement && e !== document.body) out.push(e.className || e.tagName); } return out; }"""
        )
        assert boxes == []
        # the feedback and tool buttons do not overlap each other
        boxes = [b for b in (el.bounding_box() for el in answer.locator(".tq-feedback > *:visible, .tq-exchange-tools > *").all()) if b]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                overlap = min(a["x"] + a["width"], b["x"] + b["width"]) - max(a["x"], b["x"]) > 1 and \
                    min(a["y"] + a["height"], b["y"] + b["height"]) - max(a["y"], b["y"]) > 1
                assert not overlap, (a, b)
        # contrast of body, muted and highlighted text: at least 4.5:1
        measured = tab.evaluate(CONTRAST_JS, MEASURED)
        missing = [m["sel"] for m in measured if m["ratio"] is None]
        assert set(missing) <= {".tq-snippet", ".tq-further-heading"}, missing
        low = [m for m in measured if m["ratio"] is not None and m["ratio"] < 4.5]
        assert low == [], low
        assert min(m["ratio"] for m in measured if m["sel"] == ".tq-answer mark") >= 4.5
        assert tab.evaluate("document.documentElement.lang") == ui
        screenshot(tab, f"chat-{ui}-{view_name}.png")
    finally:
        tab.close()
    check_clean(tab, app_server.url)


# ---------------------------------------------------------------- links


def test_clause_link_opens_the_article_with_the_clause_marked(browser_context, app_server, view):  # noqa: F811
    tab = open_page(browser_context, app_server.url, view, "?clause=5.3&lang=ru")
    try:
        row = tab.locator("#tq-article tr.tq-cited")
        expect(row).to_have_count(1)
        assert "tq-c-5-3" in row.get_attribute("class")
        expect(tab.locator("#tq-article .tq-article-view.tq-article-5")).to_be_visible()
        expect(row).to_be_in_viewport()
        expect(tab.get_by_role("tab", name=t("browse_heading", "ru"))).to_have_attribute("aria-selected", "true")
        # a clause that does not exist: the article, and a plain message
        tab.goto(app_server.url + "?clause=5.9")
        expect(tab.locator("#tq-article .tq-browse-message")).to_contain_text("5.9")
    finally:
        tab.close()
    check_clean(tab, app_server.url)


def test_article_link_and_previous_next_and_cross_reference(browser_context, app_server, view):  # noqa: F811
    tab = open_page(browser_context, app_server.url, view, "?article=3")
    try:
        expect(tab.locator("#tq-article .tq-article-view.tq-article-3")).to_be_visible()
        # "статьи 2 настоящего Соглашения" / "осы Келісімнің 2-бабының" open article 2
        xref = tab.locator("#tq-article td.tq-lang-ru a.tq-xref[href='?article=2']").first
        expect(xref).to_be_visible()
        xref.click()
        expect(tab.locator("#tq-article .tq-article-view.tq-article-2")).to_be_visible()
        assert tab.url.endswith("?article=2")
        tab.locator("#tq-article .tq-nav-next").click()
        expect(tab.locator("#tq-article .tq-article-view.tq-article-3")).to_be_visible()
        tab.locator("#tq-article .tq-nav-prev").click()
        expect(tab.locator("#tq-article .tq-article-view.tq-article-2")).to_be_visible()
        tab.go_back()  # the browser's own back button follows the links
        expect(tab.locator("#tq-article .tq-article-view.tq-article-3")).to_be_visible()
    finally:
        tab.close()
    check_clean(tab, app_server.url)


def test_cross_reference_in_an_answer_opens_that_article(laptop):
    answer = ask(laptop, "В каких формах осуществляется сотрудничество в целях реализации положений статьи 2?")
    link = answer.locator("a.tq-xref[href='?article=2']").first
    expect(link).to_be_visible()
    link.click()
    expect(laptop.locator("#tq-article .tq-article-view.tq-article-2")).to_be_visible()


def test_ask_through_the_url_once(browser_context, app_server, view):  # noqa: F811
    from urllib.parse import quote

    tab = open_page(browser_context, app_server.url, view, f"?q={quote(RU_QUESTION)}&lang=ru")
    try:
        expect(tab.locator(EXCHANGES)).to_have_count(1, timeout=60_000)
        check_5_3(tab.locator(EXCHANGES).last, "Статья 5, пункт 3", "ru", phone=view.startswith("phone"))
        expect(tab.locator("#tq-ask")).to_have_text(t("ask", "ru"))
        assert "q=" not in tab.url and "lang=ru" in tab.url  # a reload must not ask again
        tab.reload()
        tab.wait_for_selector(EXCHANGES)
        tab.wait_for_timeout(800)
        assert tab.locator(EXCHANGES).count() == 1
    finally:
        tab.close()
    check_clean(tab, app_server.url)


def test_copy_citation_and_link_put_plain_text_on_the_clipboard(page, view):
    answer = ask(page, RU_QUESTION)  # Kazakh interface: the citation in Kazakh first
    answer.locator(".tq-primary [data-tq-action='copy-citation']").click()
    expect(answer.locator(".tq-primary [data-tq-action='copy-citation']")).to_contain_text(t("copied", "kk"))
    text = page.evaluate("navigator.clipboard.readText()")
    assert text.startswith(
        "ҚР ІІМ мен РФ ІІМ арасындағы ынтымақтастық туралы 2008 жылғы 23 қазандағы Келісім, 5-бап, 3-тармақ "
        "(Статья 5, пункт 3): «Көмек көрсету туралы сұрау салуда:"
    )
    assert "<" not in text and "tq-" not in text
    switch_language(page, "ru")
    answer = page.locator(EXCHANGES).last
    answer.locator(".tq-primary [data-tq-action='copy-citation']").click()
    text = page.evaluate("navigator.clipboard.readText()")
    assert text.startswith("Статья 5, пункт 3 (5-бап, 3-тармақ) Соглашения между МВД РК и МВД РФ о сотрудничестве от 23.10.2008: «Запрос")
    answer.locator(".tq-primary [data-tq-action='copy-link']").click()
    link = page.evaluate("navigator.clipboard.readText()")
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\?clause=5\.3", link)


# ---------------------------------------------------------------- history and feedback


def test_history_survives_a_reload_and_clear_is_for_real(page):
    ask(page, RU_QUESTION)
    ask(page, KK_QUESTION)
    page.reload()
    page.wait_for_selector(EXCHANGES)
    expect(page.locator(EXCHANGES)).to_have_count(2)
    assert page.evaluate("scrollY") == 0  # the reload does not jump down to the history
    page.click("#tq-clear")
    expect(page.locator(EXCHANGES)).to_have_count(0)
    page.reload()
    page.wait_for_selector("#tq-ask")
    page.wait_for_timeout(1500)
    expect(page.locator(EXCHANGES)).to_have_count(0)
    ask(page, "Кто несёт расходы по исполнению запроса?")
    expect(page.locator(EXCHANGES)).to_have_count(1)  # the cleared answers do not come back


def test_rate_an_earlier_answer_once_change_it_and_add_a_comment(page, app_server):  # noqa: F811
    question = f"{RU_QUESTION} ({page.viewport_size['width']})"
    ask(page, question)
    ask(page, KK_QUESTION)
    answer_id = page.locator(EXCHANGES).first.get_attribute("data-id")
    first = page.locator(f"#tq-x-{answer_id}")
    first.locator("[data-tq-fb='wrong_citation']").click()
    expect(first.locator(".tq-fb-status")).to_have_text(t("feedback_thanks", "kk"))
    first = page.locator(f"#tq-x-{answer_id}")
    expect(first.locator("[data-tq-fb='wrong_citation']")).to_have_attribute("aria-pressed", "true")
    first.locator("[data-tq-fb='wrong_citation']").click()  # the same rating again: not recorded twice
    page.wait_for_timeout(1500)
    mine = [r for r in records(app_server) if r.get("answer_id") == answer_id]
    assert len(mine) == 1
    first.locator(".tq-fb-more summary").click()
    first.locator(".tq-fb-comment").fill("Ожидалась статья 5, пункт 2")
    first.locator("[data-tq-fb='comment']").click()
    expect(first.locator(".tq-fb-status")).to_have_text(t("feedback_changed", "kk"))
    first.locator("[data-tq-fb='helpful']").click()
    expect(first.locator("[data-tq-fb='helpful']")).to_have_attribute("aria-pressed", "true")
    expect(first.locator("[data-tq-fb='wrong_citation']")).to_have_attribute("aria-pressed", "false")
    page.wait_for_timeout(500)
    mine = [r for r in records(app_server) if r.get("answer_id") == answer_id]
    assert [r["verdict"] for r in mine] == ["wrong_citation", "wrong_citation", "helpful"]
    assert mine[1]["comment"] == "Ожидалась статья 5, пункт 2" and mine[1]["replaces"] == "wrong_citation"
    assert mine[2]["replaces"] == "wrong_citation"
    record = mine[0]
    assert record["question"] == question and record["language"] == "ru" and record["ui_language"] == "kk"
    assert (record["citations"][0]["article"], record["citations"][0]["paragraph"]) == (5, 3)
    assert record["citations"][0]["citation"].startswith("Статья 5, пункт 3")
    assert abs(datetime.now(timezone.utc) - datetime.fromisoformat(record["time"])) < timedelta(minutes=5)
    # the rating stays with the answer across a reload
    page.reload()
    expect(page.locator(f"#tq-x-{answer_id} [data-tq-fb='helpful']")).to_have_attribute("aria-pressed", "true")


# ---------------------------------------------------------------- print, export


def test_print_shows_the_answer_and_nothing_of_the_ui(page):
    answer = ask(page, RU_QUESTION)
    page.emulate_media(media="print")
    try:
        for chrome in ("#tq-header h1", "#tq-ui-lang", "#tq-question textarea", "#tq-ask", "#tq-examples",
                       "#tq-clear", "footer", "[role='tablist']"):
            for el in page.locator(chrome).all():
                assert not el.is_visible(), chrome
        assert not answer.locator(".tq-feedback").is_visible()
        assert not answer.locator(".tq-tools").first.is_visible()
        assert answer.locator(".tq-q-text").is_visible()
        assert answer.locator(".tq-primary .tq-cite-label").is_visible()
        assert answer.locator(".tq-primary .tq-col.tq-lang-kk mark").is_visible()
        assert answer.locator(".tq-primary .tq-col.tq-lang-ru mark").is_visible()
        box = page.locator("#tq-chat").bounding_box()
        assert box and box["y"] < 60 and box["width"] > page.viewport_size["width"] * 0.8  # the answer starts the page
    finally:
        page.emulate_media(media="screen")


def test_export_an_answer_as_a_document(laptop):
    answer = ask(laptop, RU_QUESTION)
    with laptop.expect_download() as info:
        answer.locator("[data-tq-action='export']").click()
    download = info.value
    assert re.fullmatch(r"treatyqa-5-3-\d{4}-\d{2}-\d{2}\.html", download.suggested_filename)
    html = Path(download.path()).read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and '<html lang="kk">' in html
    assert RU_QUESTION in html and "Статья 5, пункт 3" in html and KK_5_3 in html and RU_5_3 in html
    assert "<button" not in html and "<script" not in html.lower() and 'class="tq-feedback"' not in html
    assert "<mark>" in html and "mark" in html.split("</style>")[0]  # the highlight keeps its style


# ---------------------------------------------------------------- browse, notes, language


def test_filter_finds_words_in_both_texts_and_highlights_them(page):
    page.get_by_role("tab", name=t("browse_heading", "kk")).click()
    page.locator("#tq-filter textarea").press_sequentially("конфиденциальности")  # typed, as a user does
    view = page.locator("#tq-article .tq-search")
    expect(view).to_have_attribute("data-count", "2")
    expect(view.locator("td.tq-lang-ru mark.tq-find").first).to_be_visible()
    page.locator("#tq-filter textarea").fill("")
    page.locator("#tq-filter textarea").press_sequentially("құпиялылығын")
    # the view re-renders per keystroke: wait for the whole word's results before clicking
    expect(page.locator('#tq-article .tq-search[data-query="құпиялылығын"]')).to_have_count(1)
    expect(page.locator("#tq-article .tq-search td.tq-lang-kk mark.tq-find").first).to_be_visible()
    page.locator("#tq-article .tq-search a.tq-par-no").first.click()  # a found clause opens in its article
    expect(page.locator("#tq-article tr.tq-cited")).to_have_count(1)


def test_translator_note_next_to_the_russian_text(browser_context, app_server, view):  # noqa: F811
    tab = open_page(browser_context, app_server.url, view, "?clause=8.4&lang=ru")
    try:
        row = tab.locator("#tq-article tr.tq-cited")
        expect(row).to_have_count(1)
        note = row.locator("td.tq-lang-ru .tq-note")
        expect(note).to_be_visible()
        expect(note).to_contain_text(t("translator_note", "ru"))
        expect(note).to_contain_text("болғызады")
        assert row.locator("td.tq-lang-kk .tq-note").count() == 0
        assert tab.locator("#tq-article .tq-note").count() == 1  # only 8.4 in article 8
        measured = tab.evaluate(CONTRAST_JS, ["#tq-article .tq-note p", "#tq-article .tq-note-head"])
        assert all(m["ratio"] and m["ratio"] >= 4.5 for m in measured), measured
    finally:
        tab.close()
    check_clean(tab, app_server.url)


def test_interface_language_switch_relabels_everything_including_gradio_and_html_lang(laptop):
    page = laptop
    ask(page, RU_QUESTION)
    for lang in ("ru", "kk", "ru"):
        switch_language(page, lang)
        # expect() retries: the components are relabelled by one update, but rendered one by one
        expect(page.locator("#tq-question label, #tq-question span").filter(has_text=t("question_label", lang)).first).to_be_visible()
        expect(page.locator(EXCHANGES).last.locator("[data-tq-fb='helpful']")).to_have_text(t("feedback_helpful", lang))
        expect(page.locator("#tq-header h1")).to_have_text(t("app_title", lang))
        expect(page.get_by_role("tab", name=t("browse_heading", lang))).to_have_count(1)
        expect(page.get_by_text(t("examples", lang), exact=True).first).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", lang)
        expect(page.get_by_text(t("gradio_api", lang), exact=True).first).to_be_visible()  # Gradio's own footer
        assert page.get_by_text("Use via API", exact=True).count() == 0
        assert page.locator("[aria-label='More tabs'], [aria-label='Gradio footer navigation']").count() == 0
        # the answer already in the chat is re-rendered in the new interface language...
        head = page.locator(EXCHANGES).last.locator(".tq-primary .tq-col.tq-lang-kk .tq-col-head")
        expect(head).to_contain_text(t("lang_kk", lang), ignore_case=True)
        # ...while its citation stays in the question's language
        label = page.locator(EXCHANGES).last.locator(".tq-primary .tq-cite-label")
        expect(label).to_have_text(re.compile(r"^Статья 5, пункт 3"))


def test_examples_in_both_languages_fill_the_question_box(laptop):
    examples = laptop.locator("#tq-examples button, #tq-examples .gallery-item, #tq-examples td")
    texts = " ".join(examples.all_inner_texts())
    assert re.search("[әғқңөұүһі]", texts) and "Какие сведения" in texts
    laptop.locator("#tq-examples").get_by_text("Кто несёт расходы", exact=False).first.click()
    laptop.wait_for_function("() => document.querySelector('#tq-question textarea').value.startsWith('Кто несёт')")


def test_open_the_whole_article_and_the_browse_tab_follows_the_answer(laptop):
    answer = ask(laptop, RU_QUESTION)
    details = answer.locator(".tq-primary details.tq-open-article")
    assert not details.locator("table").is_visible()
    details.locator("summary").click()
    table = details.locator("table.tq-article-table")
    expect(table).to_be_visible()
    assert table.locator("tr.tq-clause").count() == 4  # article 5 has four paragraphs
    cited = table.locator("tr.tq-cited")
    assert cited.count() == 1 and "tq-c-5-3" in cited.get_attribute("class")
    laptop.get_by_role("tab", name=t("browse_heading", "kk")).click()
    view = laptop.locator("#tq-article .tq-article-view.tq-article-5")
    expect(view).to_be_visible()
    assert "tq-c-5-3" in view.locator("tr.tq-cited").get_attribute("class")
    laptop.locator("#tq-browse input").click()
    laptop.get_by_role("option", name=re.compile("^10-бап")).click()
    laptop.wait_for_selector("#tq-article .tq-article-view.tq-article-10")
    text = laptop.locator("#tq-article").inner_text()
    assert "Тілдер" in text and "Языки" in text and "орыс тілін пайдаланады" in text
    expect(laptop).to_have_url(re.compile(r"\?article=10$"))


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("ui", "question", "expected"),
    [
        ("kk", "", "Сұрақ бос"),
        ("ru", "   \n  ", "Вопрос пуст"),
        ("kk", "Сұрақ " * 400, "Сұрақ тым ұзын"),
        ("ru", "ы" * 6000, "Вопрос слишком длинный"),
        ("ru", "<b></b><img src=x onerror=alert(1)><script></script>", "Вопрос пуст"),
        ("kk", "?!… 42", "Сұрақта сөз жоқ"),
    ],
)
def test_bad_input_gets_a_clear_message_and_no_empty_bubble(laptop, ui, question, expected):
    if ui != "kk":
        switch_language(laptop, ui)
    message = ask_bad(laptop, question)
    assert message.inner_text().startswith(expected)
    assert laptop.locator(EXCHANGES).count() == 0  # a notice, never a bubble in the history
    # what was typed is kept, so it can be corrected
    assert laptop.locator("#tq-question textarea").input_value() == question
    ask(laptop, RU_QUESTION)
    expect(laptop.locator("#tq-notice .tq-error")).to_have_count(0)


def test_user_text_is_never_rendered_as_html(laptop):
    question = '<b>Что</b> должен <i>содержать</i> запрос {{ 7*7 }} ${1+1} <img src=x onerror=alert(1)>?'
    answer = ask(laptop, question)
    shown = answer.locator(".tq-q-text")
    assert shown.inner_text() == question
    assert shown.locator("b, i, img, script").count() == 0
    assert laptop.locator("#tq-chat img[src='x']").count() == 0
    assert answer.locator(".tq-answer").count() == 1  # the markup was ignored, the question answered


def test_control_characters_are_harmless(laptop):
    laptop.evaluate(
        """q => { const ta = document.querySelector('#tq-question textarea');
                  ta.value = q; ta.dispatchEvent(new Event('input', {bubbles: true})); }""",
        "Что\u0007 должен\u001b содержать\u0000 запрос\u202e об оказании содействия?",
    )
    laptop.click("#tq-ask")
    laptop.wait_for_selector(EXCHANGES)
    answer = laptop.locator(EXCHANGES).last
    assert answer.locator(".tq-primary .tq-cite-label").inner_text().startswith("Статья 5")


def test_enter_submits_the_question(laptop):
    laptop.fill("#tq-question textarea", RU_QUESTION)
    laptop.press("#tq-question textarea", "Enter")
    laptop.wait_for_selector(EXCHANGES)
    expect(laptop.locator("#tq-question textarea")).to_have_value("")  # cleared after an answer


def test_api_page_shows_only_ask_and_loads_nothing_from_outside(laptop):
    laptop.get_by_text(t("gradio_api", "kk"), exact=True).click()
    laptop.get_by_text("/ask", exact=True).first.wait_for()
    assert laptop.get_by_text("/ask", exact=True).count() >= 1
    laptop.wait_for_timeout(1000)  # let the panel fetch what it fetches: the fixture checks where from
