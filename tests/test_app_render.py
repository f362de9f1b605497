"""The web chat's pieces without a server: safe HTML, highlights, strings, feedback file.

Answers come from the real TreatyQA (the session's index and model); hostile markup is put
into real answers' fields as test input.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import replace
from html.parser import HTMLParser

import pytest

from treatyqa.answering import not_in_agreement
from treatyqa.corpus import load_agreement
from treatyqa.domain import Answer, Citation, Clause, Hit
from treatyqa.web import i18n
from treatyqa.web.feedback import FeedbackStore, citations_of
from treatyqa.web.i18n import EXAMPLES, STRINGS, language_from_accept, message_language, normalise_lang, t
from treatyqa.web.render import (
    article_choices,
    citation_text,
    decorate,
    reference_links,
    render_answer,
    render_article,
    render_clause,
    render_conversation,
    render_error,
    render_question,
    render_search,
    search_clauses,
)
from treatyqa.web.ui import apply_feedback, bridge_request, clean_history, query_wishes

# The only tags the renderer may emit; anything else came from text that was not escaped.
ALLOWED_TAGS = {
    "div", "span", "p", "ul", "li", "mark", "section", "details", "summary",
    "table", "thead", "tbody", "tr", "th", "td", "br", "a", "aside", "button", "article", "textarea",
}
OWN_LINK = re.compile(r"^\?(article|clause)=[0-9.]+$")  # the only links: to the agreement's own provisions
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
    assert not any(name in {"style", "src"} for name, _ in parsed.attrs)
    assert all(OWN_LINK.match(value or "") for name, value in parsed.attrs if name == "href")
    return parsed


REQUEST_CONTENTS = "Что должен содержать запрос о содействии?"  # the real answer: article 5, paragraph 3
OUT_OF_SCOPE = "Какая погода будет завтра в Париже?"  # the agreement does not answer it


@pytest.fixture(scope="module")
def agreement():
    return load_agreement()


def answer_for(qa, question: str, **kw) -> Answer:
    return qa.ask(question, **kw)


def result_for(qa, question: str, **kw) -> dict:
    """The answer as the browser keeps it and the feedback file records it."""
    return answer_for(qa, question, **kw).to_dict()


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
    html = render_clause(clause, clause.items[1])
    parsed = assert_safe(html)
    assert parsed.tags.count("li") == len(clause.items)
    assert re.search(r"<li><mark>изложение существа дела;</mark></li>", html)
    assert html.count("<mark>") == 1
    assert html.startswith(f'<p class="tq-lead">{clause.lead_in}</p><ul><li>')  # the parser's lead-in, then its items


def test_sentence_highlight_inside_a_line(agreement):
    sentence = "В случае использования других языков Стороны обеспечивают устный и письменный перевод на русский язык."
    html = render_clause(agreement["ru"].clause(Citation(10)), sentence)
    assert f"<mark>{sentence}</mark>" in html
    assert html.startswith("<p>При осуществлении")


def test_highlight_found_despite_spacing_and_item_fallback(agreement):
    clause = agreement["kk"].clause(Citation(5, 3))
    spaced = "  ".join(clause.items[2].split(" "))
    assert "<mark>" in render_clause(clause, spaced)
    html = render_clause(clause, "not in the text", item=4)
    assert f"<li><mark>{clause.items[3]}</mark></li>" in html


def test_corpus_text_is_escaped_too():
    lines = ("Lead <i>in</i>:", "item <script>x</script>;", "last & final.")
    html = render_clause(Clause(Citation(1), lines, lines[0], lines[1:]), "item <script>x</script>;")
    parsed = assert_safe(html)
    assert "<mark>item &lt;script&gt;x&lt;/script&gt;;</mark>" in html
    assert "script" not in parsed.tags and "i" not in parsed.tags


# ---------------------------------------------------------------- answers


@pytest.mark.slow
@pytest.mark.parametrize("ui", ["kk", "ru"])
def test_answer_names_the_citation_first_and_shows_both_texts(agreement, qa, ui):
    answer = answer_for(qa, REQUEST_CONTENTS, top_k=1)
    assert answer.language == "ru" and not answer.abstained
    html = render_answer(answer, ui, agreement)
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
    answer = answer_for(qa, "Запрос об оказании содействия должен содержать", top_k=4)
    assert not answer.abstained and len(answer.hits) == 4
    html = render_answer(answer, "ru", agreement)
    assert html.count('class="tq-hit tq-primary ') == 1
    assert html.count('class="tq-hit tq-secondary ') == 3
    assert html.index("tq-primary") < html.index(t("further_hits", "ru")) < html.index("tq-secondary")


@pytest.mark.slow
@pytest.mark.parametrize("ui", ["kk", "ru"])
def test_abstention_is_a_plain_message(agreement, qa, ui):
    answer = answer_for(qa, OUT_OF_SCOPE, top_k=3)
    assert answer.abstained and len(answer.hits) == 3  # the nearest clauses are still returned
    html = render_answer(answer, ui, agreement)
    assert t("abstained", ui) in html
    assert 'data-abstained="true"' in html
    assert "tq-primary" not in html and t("nearest_hits", ui) in html
    assert html.count('class="tq-hit tq-secondary ') == 3
    empty = render_answer(replace(answer, hits=()), ui, agreement)  # no nearest clause at all
    assert t("abstained", ui) in empty and "tq-hit" not in empty


@pytest.mark.slow
@pytest.mark.parametrize("ui", ["kk", "ru"])
def test_a_citation_the_agreement_lacks_is_a_notice_in_the_interface_language(agreement, qa, ui):
    alone = answer_for(qa, "Статья 16")
    html = render_answer(alone, ui, agreement)
    parsed = assert_safe(html)
    notice = not_in_agreement(Citation(16), agreement, ui)
    assert 'class="tq-abstain tq-notice"' in html and notice in "".join(parsed.text)
    assert t("abstained", ui) not in html and "tq-hit" not in html  # said why, instead of "no answer"
    fallback = render_answer(answer_for(qa, "ст. 9 п. 2"), ui, agreement)  # article 9 is shown under the notice
    assert not_in_agreement(Citation(9, 2), agreement, ui) in fallback and "tq-primary" in fallback
    assert fallback.index("tq-notice") < fallback.index("tq-primary")


@pytest.mark.slow
def test_hostile_answer_fields_are_escaped(agreement, qa):
    answer = answer_for(qa, REQUEST_CONTENTS, top_k=2)
    hits = tuple(  # every text field of a real hit replaced by hostile markup
        replace(
            hit,
            label=HOSTILE,
            title={"kk": HOSTILE, "ru": HOSTILE},
            text={"kk": HOSTILE, "ru": HOSTILE + "\n" + HOSTILE},
            highlight=HOSTILE,
            highlight_text={"kk": HOSTILE, "ru": HOSTILE},
        )
        for hit in answer.hits
    )
    hostile = replace(answer, question=HOSTILE, message=HOSTILE, hits=hits)
    for ui in ("kk", "ru"):
        parsed = assert_safe(render_answer(hostile, ui, agreement))
        assert "".join(parsed.text).count("<script>alert(1)</script>") >= 3  # the texts as quoted, shown as text, not dropped
        # the same answer as the browser gives it back, with the labels it may carry too
        kept = hostile.to_dict()
        for hit in kept["hits"]:
            hit["citations"] = {"kk": HOSTILE, "ru": HOSTILE}
        parsed = assert_safe(render_conversation([_entry(kept, question=HOSTILE)], ui, agreement))
        assert "<script>alert(1)</script>" in "".join(parsed.text)


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
    langs = {e.lang for e in EXAMPLES}
    assert langs == {"kk", "ru"}
    for lang, question, _ in EXAMPLES:
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


# ---------------------------------------------------------------- links, copy, search, conversation


def test_references_in_the_text_link_to_the_article_or_paragraph(agreement):
    ru = render_clause(agreement["ru"].clause(Citation(3, 1)))
    assert 'статьи <a class="tq-xref" href="?article=2" data-tq-nav="article:2">2</a> настоящего Соглашения' in ru
    kk = render_clause(agreement["kk"].clause(Citation(3, 1)))
    assert 'Келісімнің <a class="tq-xref" href="?article=2" data-tq-nav="article:2">2</a>-бабының' in kk
    art4 = render_clause(agreement["ru"].clause(Citation(4)))
    assert 'href="?article=1"' in art4
    for lang in ("kk", "ru"):  # "пунктов 1 и 2 настоящей статьи" / "осы баптың 1 және 2-тармақтарының"
        html = render_clause(agreement[lang].clause(Citation(6, 3)))
        assert 'href="?clause=6.1"' in html and 'href="?clause=6.2"' in html
        assert_safe(html)
    assert "tq-xref" not in render_clause(agreement["ru"].clause(Citation(5, 3)))


def test_a_link_inside_the_highlight_nests_properly():
    links = reference_links("см. статьи 2 настоящего Соглашения", None)
    assert [(ln.key, ln.kind) for ln in links] == [("2", "article")]
    html = str(decorate("см. статьи 2 настоящего Соглашения", [(0, 12, "tq-best")], links))
    assert html == 'см. <mark>статьи <a class="tq-xref" href="?article=2" data-tq-nav="article:2">2</a></mark> настоящего Соглашения'.replace(
        "см. <mark>", "<mark>см. "
    )


@pytest.mark.parametrize("ui", ["kk", "ru"])
def test_copy_citation_is_plain_text_in_the_interface_language(agreement, ui):
    clause = agreement.bilingual(Citation(5, 3))
    hit = Hit(
        citation=Citation(5, 3), label="", title={}, highlight="", score=0.0,
        text={lang: c.text for lang, c in clause.items()},
        status={"kk": "authentic", "ru": "working_translation"},
    )
    text = citation_text(hit, ui)
    if ui == "ru":
        assert text.startswith(
            "Статья 5, пункт 3 (5-бап, 3-тармақ) Соглашения между МВД РК и МВД РФ о сотрудничестве от 23.10.2008: "
            "«Запрос об оказании содействия должен содержать: наименование органа"
        )
        assert text.endswith("» (неофициальный рабочий перевод)")
    else:
        assert text.startswith("ҚР ІІМ мен РФ ІІМ арасындағы ынтымақтастық туралы 2008 жылғы 23 қазандағы Келісім, "
                               "5-бап, 3-тармақ (Статья 5, пункт 3): «Көмек көрсету туралы сұрау салуда:")
        assert text.endswith("»")
    assert "<" not in text and "\n" not in text


def test_filter_finds_words_in_both_texts_and_marks_them(agreement):
    assert [c.key() for c in search_clauses(agreement, "расходы")] == ["9"]  # also "расходов"
    assert [c.key() for c in search_clauses(agreement, "шығыстар")] == ["9"]
    html = render_search(agreement, "конфиденциальности", "ru")
    assert_safe(html)
    assert 'data-count="2"' in html and '<mark class="tq-find">конфиденциальности</mark>' in html
    assert t("filter_found", "ru", query="конфиденциальности", count=2) in html
    none = render_search(agreement, "<b>пицца</b>", "kk")
    assert_safe(none)
    assert "&lt;b&gt;пицца&lt;/b&gt;" in none and 'data-count="0"' in none


def test_article_view_has_previous_and_next_and_the_translator_note(agreement):
    html = render_article(agreement, 6, "ru", cited=Citation(6, 3))
    assert 'href="?article=5"' in html and 'href="?article=7"' in html
    assert t("previous_article", "ru") in html and t("next_article", "ru") in html
    assert html.count('data-note="translator"') == 1 and "бас тарту мүмкін бе" in html
    assert 'id="tq-clause-6-3"' in html and 'href="?clause=6.3"' in html
    assert 'href="?article=14"' in render_article(agreement, 15, "kk") and "tq-nav-next" not in render_article(agreement, 15, "kk")
    assert "tq-nav-prev" not in render_article(agreement, 0, "kk")


def test_clause_keys_from_links():
    assert Citation.from_key("5.3") == Citation(5, 3)
    assert Citation.from_key("9") == Citation(9)
    assert Citation.from_key("2.1.5") == Citation(2, 1, 5)
    assert Citation.from_key("5.3; drop") is None and Citation.from_key("") is None


def _entry(result: dict, **kw) -> dict:
    return {"id": "abc123", "time": "2026-01-01T00:00:00+00:00", "question": kw.pop("question", "q"), "result": result, **kw}


FAKE_RESULT = {
    "question": "q", "language": "ru", "abstained": False, "message": "",
    "hits": [{"article": 9, "paragraph": None, "item": None, "citation": "Статья 9",
              "text": {"kk": "Шығыстар.", "ru": "Расходы."}, "highlights": {"kk": "Шығыстар.", "ru": "Расходы."},
              "status": {"kk": "authentic", "ru": "working_translation"}, "translator_note": None}],
}


def test_conversation_shows_answers_only_escaped_with_their_rating(agreement):
    hostile = "{{ 7*7 }} ${1+1} " + HOSTILE
    history = [
        {"question": "", "error": {"kk": "бос"}},  # an old-style error entry: never a bubble
        _entry(FAKE_RESULT, question=hostile, feedback={"verdict": "helpful", "comment": "<i>ok</i>", "status": "feedback_thanks"}),
    ]
    html = render_conversation(history, "kk", agreement)
    parsed = assert_safe(html)
    assert html.count('class="tq-exchange"') == 1 and 'data-count="1"' in html
    text = "".join(parsed.text)
    assert "{{ 7*7 }} ${1+1} <script>alert(1)</script>" in text and "49" not in text
    assert 'data-tq-fb="helpful" aria-pressed="true"' in html and 'data-tq-fb="wrong_citation" aria-pressed="false"' in html
    assert "&lt;i&gt;ok&lt;/i&gt;</textarea>" in html and t("feedback_thanks", "kk") in html
    assert t("chat_placeholder", "ru") in render_conversation([], "ru", agreement)


def test_feedback_is_one_rating_per_answer_changeable_with_a_comment():
    entry = _entry(FAKE_RESULT)
    entry, record = apply_feedback(entry, "comment", "no verdict yet")
    assert record is None and entry["feedback"]["status"] == "feedback_choose"
    entry, record = apply_feedback(entry, "helpful", "")
    assert record == {"verdict": "helpful", "comment": None, "replaces": None}
    entry, record = apply_feedback(entry, "helpful", "  ")
    assert record is None  # the same rating twice is recorded once
    entry, record = apply_feedback(entry, "wrong_citation", " should be 9 ")
    assert record == {"verdict": "wrong_citation", "comment": "should be 9", "replaces": "helpful"}
    assert entry["feedback"] == {"verdict": "wrong_citation", "comment": "should be 9", "status": "feedback_changed"}
    entry, record = apply_feedback(entry, "comment", "more detail")
    assert record["verdict"] == "wrong_citation" and record["comment"] == "more detail"
    assert apply_feedback(entry, "meh", "")[1] is None


def test_bridge_requests_links_and_history_from_the_browser():
    assert bridge_request('{"action": "nav", "clause": "5.3"}') == {"action": "nav", "clause": "5.3"}
    assert bridge_request('{"action": "eval"}') == {} and bridge_request("not json") == {} and bridge_request(None) == {}
    wishes = query_wishes({"clause": "5.3", "lang": "ru"}, None)
    assert wishes == {"lang": "ru", "clause": "5.3", "article": None, "q": None}
    assert query_wishes({"article": "7", "q": " Кто платит? "}, "ru-RU")["q"] == "Кто платит?"
    assert query_wishes({}, "ru-RU")["lang"] == "ru" and query_wishes({"article": "x"}, None)["article"] is None
    assert clean_history("garbage") == [] and clean_history([{"question": "q"}, _entry(FAKE_RESULT)]) == [_entry(FAKE_RESULT)]


def test_feedback_record_names_the_answer_and_keeps_the_comment(tmp_path):
    store = FeedbackStore(tmp_path / "feedback.jsonl")
    entry = store.record("helpful", FAKE_RESULT, ui_language="ru", answer_id="abc123", comment="ок", replaces=None)
    assert store.read() == [entry]
    assert entry["answer_id"] == "abc123" and entry["comment"] == "ок" and entry["citations"][0]["article"] == 9
