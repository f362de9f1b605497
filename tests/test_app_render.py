"""The web chat's pieces without a server: safe HTML, highlights, strings, feedback file.

Answers come from the real TreatyQA (the session's index and model); hostile markup is put
into real answers' fields as test input.
"""

from __future__ import annotations

import json
import re
import threading
from html.parser import HTMLParser

import pytest

from treatyqa.corpus import load_agreement
from treatyqa.domain import Citation
from treatyqa.web import i18n
from treatyqa.web.feedback import FeedbackStore, citations_of
from treatyqa.web.i18n import EXAMPLES, STRINGS, language_from_accept, message_language, normalise_lang, t
from treatyqa.web.render import (
    article_choices,
    render_answer,
    render_article,
    render_clause_text,
    render_error,
    render_question,
    split_lines,
)

# The only tags the renderer may emit; anything else came from text that was not escaped.
ALLOWED_TAGS = {
    "div", "span", "p", "ul", "li", "mark", "section", "details", "summary",
    "table", "thead", "tbody", "tr", "th", "td", "br",
}
HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)"><b>bold</b> & "quotes" \x00\x07'


class TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_data(self, data):
        self.text.append(data)


def parse(html: str) -> TagCollector:
    collector = TagCollector()
    collector.feed(html)
    collector.close()
    return collector


def assert_safe(html: str) -> TagCollector:
    parsed = parse(html)
    assert set(parsed.tags) <= ALLOWED_TAGS, set(parsed.tags) - ALLOWED_TAGS
    assert not any(name.startswith("on") for name, _ in parsed.attrs)
    assert not any(name in {"style", "href", "src"} for name, _ in parsed.attrs)
    return parsed


REQUEST_CONTENTS = "Что должен содержать запрос о содействии?"  # the real answer: article 5, paragraph 3
OUT_OF_SCOPE = "Какая погода будет завтра в Париже?"  # the agreement does not answer it


@pytest.fixture(scope="module")
def agreement():
    return load_agreement()


def result_for(qa, question: str, **kw) -> dict:
    return qa.ask(question, **kw).to_dict()


# ---------------------------------------------------------------- questions and errors


def test_user_text_is_never_markup():
    html = render_question(HOSTILE)
    parsed = assert_safe(html)
    assert parsed.tags == ["div"]
    text = "".join(parsed.text)
    assert "<script>alert(1)</script>" in text and "<b>bold</b>" in text
    assert "\x00" not in text and "\x07" not in text and "\ufffd" in text


def test_long_question_is_shortened_for_display_only():
    html = render_question("а" * 5000, max_chars=100)
    assert html.count("а") == 100 and "…" in html


def test_error_is_escaped():
    parsed = assert_safe(render_error("bad <b>x</b>"))
    assert "".join(parsed.text) == "bad <b>x</b>"


# ---------------------------------------------------------------- clause text and highlights


def test_list_clause_renders_lead_in_and_items_with_item_marked(agreement):
    clause = agreement["ru"].clause(Citation(5, 3))
    html = render_clause_text(clause.text, clause.items[1])
    parsed = assert_safe(html)
    assert parsed.tags.count("li") == len(clause.items)
    assert re.search(r"<li><mark>изложение существа дела;</mark></li>", html)
    assert html.count("<mark>") == 1
    lead, items, others = split_lines(clause.text)
    assert lead == clause.lead_in and items == list(clause.items) and others == []


def test_sentence_highlight_inside_a_line(agreement):
    text = agreement["ru"].clause(Citation(10)).text
    sentence = "В случае использования других языков Стороны обеспечивают устный и письменный перевод на русский язык."
    html = render_clause_text(text, sentence)
    assert f"<mark>{sentence}</mark>" in html
    assert html.startswith("<p>При осуществлении")


def test_highlight_found_despite_spacing_and_item_fallback(agreement):
    clause = agreement["kk"].clause(Citation(5, 3))
    spaced = "  ".join(clause.items[2].split(" "))
    assert "<mark>" in render_clause_text(clause.text, spaced)
    html = render_clause_text(clause.text, "not in the text", item=4)
    assert f"<li><mark>{clause.items[3]}</mark></li>" in html


def test_corpus_text_is_escaped_too():
    html = render_clause_text("Lead <i>in</i>:\nitem <script>x</script>;\nlast & final.", "item <script>x</script>;")
    parsed = assert_safe(html)
    assert "<mark>item &lt;script&gt;x&lt;/script&gt;;</mark>" in html
    assert "script" not in parsed.tags and "i" not in parsed.tags


# ---------------------------------------------------------------- answers


@pytest.mark.slow
@pytest.mark.parametrize("ui", ["kk", "ru"])
def test_answer_names_the_citation_first_and_shows_both_texts(agreement, qa, ui):
    result = result_for(qa, REQUEST_CONTENTS, top_k=1)
    assert result["language"] == "ru" and not result["abstained"]
    html = render_answer(result, ui, agreement)
    assert_safe(html)
    first_text = re.sub(r"<[^>]+>", "\n", html).split("\n")
    first_text = [x for x in first_text if x.strip()]
    assert first_text[0] == "Статья 5, пункт 3"  # the citation, in the question's language, comes first
    assert first_text[1] == "5-бап, 3-тармақ"
    assert 'data-lang="kk"' in html and 'data-lang="ru"' in html
    assert "Көмек көрсету туралы сұрау салуда:" in html
    assert "Запрос об оказании содействия должен содержать:" in html
    assert 'data-status="working_translation"' in html
    assert t("status_working_translation", ui) in html
    assert t("status_authentic", ui) in html
    assert html.count("<mark>") >= 2  # one per language in the clause (plus the article view)
    assert t("open_article", ui, label=Citation(5).label(ui)) in html  # the whole article, one click away


@pytest.mark.slow
def test_further_hits_below_the_first(agreement, qa):
    result = result_for(qa, "Запрос об оказании содействия должен содержать", top_k=4)
    assert not result["abstained"] and len(result["hits"]) == 4
    html = render_answer(result, "ru", agreement)
    assert html.count('class="tq-hit tq-primary ') == 1
    assert html.count('class="tq-hit tq-secondary ') == 3
    assert html.index("tq-primary") < html.index(t("further_hits", "ru")) < html.index("tq-secondary")


@pytest.mark.slow
@pytest.mark.parametrize("ui", ["kk", "ru"])
def test_abstention_is_a_plain_message(agreement, qa, ui):
    result = result_for(qa, OUT_OF_SCOPE, top_k=3)
    assert result["abstained"] and len(result["hits"]) == 3  # the nearest clauses are still returned
    html = render_answer(result, ui, agreement)
    assert t("abstained", ui) in html
    assert 'data-abstained="true"' in html
    assert "tq-primary" not in html and t("nearest_hits", ui) in html
    assert html.count('class="tq-hit tq-secondary ') == 3
    empty = render_answer({**result, "hits": []}, ui, agreement)  # no nearest clause at all
    assert t("abstained", ui) in empty and "tq-hit" not in empty


@pytest.mark.slow
def test_hostile_answer_fields_are_escaped(agreement, qa):
    result = result_for(qa, REQUEST_CONTENTS, top_k=2)
    hits = []
    for hit in result["hits"]:  # every text field of a real hit replaced by hostile markup
        hits.append(
            {
                **hit,
                "citation": HOSTILE,
                "citations": {"kk": HOSTILE, "ru": HOSTILE},
                "title": HOSTILE,
                "titles": {"kk": HOSTILE, "ru": HOSTILE},
                "text": {"kk": HOSTILE, "ru": HOSTILE + "\n" + HOSTILE},
                "highlight": HOSTILE,
                "highlights": {"kk": HOSTILE, "ru": HOSTILE},
            }
        )
    hostile = {**result, "question": HOSTILE, "message": HOSTILE, "hits": hits}
    for ui in ("kk", "ru"):
        parsed = assert_safe(render_answer(hostile, ui, agreement))
        assert "<script>alert(1)</script>" in "".join(parsed.text)  # shown as text, not dropped


def test_article_view_side_by_side_with_cited_clause(agreement):
    html = render_article(agreement, 5, "kk", cited=Citation(5, 3), highlights={"ru": "изложение существа дела;"})
    parsed = assert_safe(html)
    assert parsed.tags.count("tr") == 1 + len(agreement["kk"].article(5).clauses)
    assert html.count('class="tq-clause tq-c-5-3 tq-cited"') == 1
    assert "<mark>изложение существа дела;</mark>" in html
    assert "5-бап. Көмек көрсету туралы сұрау салулар" in html
    assert "Статья 5. Запросы об оказании содействия" in html
    preamble = render_article(agreement, 0, "ru")
    assert "Преамбула" in preamble and "Кіріспе" in preamble


def test_browse_choices_cover_the_agreement(agreement):
    for lang in ("kk", "ru"):
        choices = article_choices(agreement, lang)
        assert [n for _, n in choices] == list(range(16))
    assert article_choices(agreement, "ru")[10][0] == "Статья 10. Языки"
    assert article_choices(agreement, "kk")[10][0] == "10-бап. Тілдер"


# ---------------------------------------------------------------- strings


def test_every_string_exists_in_both_languages():
    for key, entry in STRINGS.items():
        assert set(entry) >= {"kk", "ru"}, key
        assert all(entry[lang].strip() for lang in ("kk", "ru")), key
        assert entry["kk"] != entry["ru"] or key in {"app_title"}, key


def test_examples_cover_both_languages():
    langs = {lang for lang, _ in EXAMPLES}
    assert langs == {"kk", "ru"}
    for lang, question in EXAMPLES:
        assert message_language(question) == lang


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "kk"),
        ("ru-RU,ru;q=0.9,en;q=0.8", "ru"),
        ("en-US,en;q=0.9", "kk"),
        ("en;q=0.9,ru;q=0.8,kk;q=0.95", "kk"),
        ("kk-KZ", "kk"),
        ("garbage;q=x,ru", "ru"),
    ],
)
def test_interface_language_from_browser(header, expected):
    assert language_from_accept(header) == expected


def test_normalise_lang():
    assert normalise_lang("RU_ru") == "ru"
    assert normalise_lang("de") == i18n.DEFAULT_UI_LANGUAGE
    assert normalise_lang(None, default="ru") == "ru"


def test_message_language():
    assert message_language("", None) == "en"
    assert message_language("Сұрақ қай тілде?") == "kk"
    assert message_language("Какой язык?") == "ru"
    assert message_language("anything", "kk") == "kk"


# ---------------------------------------------------------------- feedback


@pytest.mark.slow
def test_feedback_records_question_citations_and_time(tmp_path, qa):
    store = FeedbackStore(tmp_path / "sub" / "feedback.jsonl")
    result = result_for(qa, "Запрос об оказании содействия должен содержать", top_k=2)
    entry = store.record("wrong_citation", result, ui_language="kk")
    rows = store.read()
    assert rows == [entry]
    assert entry["verdict"] == "wrong_citation" and entry["question"] == result["question"]
    assert entry["citations"] == citations_of(result) and len(entry["citations"]) == 2
    assert entry["citations"][0] == {"article": 5, "paragraph": 3, "item": None, "citation": "Статья 5, пункт 3"}
    assert entry["ui_language"] == "kk" and entry["time"].endswith("+00:00")
    with pytest.raises(ValueError, match="helpful, wrong_citation"):
        store.record("meh", result)


@pytest.mark.slow
def test_feedback_appends_from_many_threads_stay_whole(tmp_path, qa):
    store = FeedbackStore(tmp_path / "feedback.jsonl")
    result = result_for(qa, "Статья", top_k=5)
    threads = [threading.Thread(target=lambda: [store.record("helpful", result) for _ in range(10)]) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    lines = (tmp_path / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 80
    assert all(json.loads(line)["verdict"] == "helpful" for line in lines)
