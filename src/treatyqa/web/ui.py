"""The Gradio chat: question box, cited bilingual answers, links, browse, feedback.

``build_blocks(qa, feedback)`` needs only an object with ``ask(question, top_k, lang)``
returning an :class:`~treatyqa.domain.Answer` and an ``agreement``: the web chat, the HTTP
endpoint and the CLI all call the same :class:`treatyqa.TreatyQA`. It draws the page area by
area (``build_header``, ``build_chat_tab``, ``build_browse_tab``: a :class:`Page`), then wires
each area's events (``wire_*``) to :class:`ChatLogic`, which does the work.

The conversation is one HTML component rendered from templates (:mod:`treatyqa.web.render`,
every value escaped). Its history lives in the browser's own storage (``gr.BrowserState``):
it survives a reload and never leaves the machine. The page's script (``static/treatyqa.js``)
handles copy, print, export and in-page links, and talks back through one hidden "bridge"
box: a JSON request (open a clause, rate an answer) that :func:`bridge_request` parses.
"""

from __future__ import annotations

import json
import logging
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import treatyqa  # noqa: F401  (offline environment variables before gradio is imported)

from treatyqa.domain import Agreement, Answer, Citation
from treatyqa.errors import IndexUnavailable, InvalidQuestion
from treatyqa.validation import displayable
from treatyqa.web.feedback import VERDICTS, FeedbackNotSaved, FeedbackStore
from treatyqa.web.gradio_api import answer_or_error
from treatyqa.web.i18n import (
    DEFAULT_UI_LANGUAGE,
    EXAMPLES,
    LANGUAGE_CHOICES,
    STRINGS,
    language_from_accept,
    normalise_lang,
    t,
)
from treatyqa.web.render import (
    COMMENT_MAX_CHARS,
    article_choices,
    article_numbers,
    render_article,
    render_conversation,
    render_error,
    render_header,
    render_search,
)

if TYPE_CHECKING:
    import gradio as gr

logger = logging.getLogger(__name__)


def _load_gradio() -> None:
    """Import gradio as this module's ``gr`` when the chat is built, not when the module is
    imported: the pure helpers below serve tests and tools that never draw the chat, and
    importing gradio takes seconds. A module global, not a local name, because Gradio reads
    handler annotations such as ``request: gr.Request`` in this module's namespace."""
    global gr
    import gradio as gr


TOP_K = 5
MAX_HISTORY = 30  # exchanges kept in the browser (the oldest are dropped)
DEFAULT_ARTICLE = 5
PRIVATE = "private"  # UI events are not part of the API; only /ask is
HISTORY_KEY = "treatyqa-history"

STATIC = Path(__file__).resolve().parent / "static"
# The chat's styles go through Gradio (``css=``), which scopes them to its container; the
# rules about the page around it (print, the container's width) go into the head as they
# are, and so does the script. A copy of the chat's styles that never applies
# (``media="not all"``) is what an exported document is styled with. All inline: no file
# is fetched from anywhere, the app included.
CSS = (STATIC / "treatyqa.css").read_text(encoding="utf-8")
HEAD = (
    '<style id="tq-page-css">\n' + (STATIC / "treatyqa-page.css").read_text(encoding="utf-8") + "\n</style>\n"
    '<style id="tq-css" media="not all">\n' + CSS + "\n</style>\n"
    "<script>\n" + (STATIC / "treatyqa.js").read_text(encoding="utf-8") + "\n</script>"
)

# System fonts only: no font file is fetched from anywhere (Google Fonts or otherwise).
SANS = ("system-ui", "Segoe UI", "Noto Sans", "DejaVu Sans", "Arial", "sans-serif")
MONO = ("ui-monospace", "DejaVu Sans Mono", "Consolas", "monospace")

AFTER_ASK = "() => window.treatyqa && window.treatyqa.afterAsk()"
AFTER_NAV = "() => window.treatyqa && window.treatyqa.afterNav()"
AFTER_ARTICLE = "() => window.treatyqa && window.treatyqa.afterArticle()"
AFTER_LOAD = "() => window.treatyqa && window.treatyqa.afterLoad()"
PRINT_ALL = "() => window.treatyqa && window.treatyqa.print(null)"
EXPORT_ALL = "() => window.treatyqa && window.treatyqa.exportDoc(null)"


class Asker(Protocol):
    agreement: Agreement

    def ask(self, question: str, top_k: int = 5, lang: str | None = None) -> Answer: ...


def make_theme() -> gr.themes.Base:
    _load_gradio()
    return gr.themes.Soft(primary_hue="blue", neutral_hue="slate", font=SANS, font_mono=MONO)


# ---------------------------------------------------------------- pure helpers (unit-tested)


def error_messages(exc: Exception) -> dict[str, str]:
    """The user-facing messages of an error, by language."""
    if isinstance(exc, (InvalidQuestion, IndexUnavailable)):
        return dict(exc.messages)
    return dict(STRINGS["error_internal"], en="An internal error occurred; no answer was produced.")


def clean_history(value: Any) -> list[dict[str, Any]]:
    """The history read back from the browser: only well-formed answered exchanges."""
    if not isinstance(value, list):
        return []
    out = []
    for entry in value[-MAX_HISTORY:]:
        if isinstance(entry, dict) and isinstance(entry.get("result"), dict) and entry.get("id"):
            out.append(entry)
    return out


def new_entry(question: str, result: dict[str, Any], ui_lang: str) -> dict[str, Any]:
    return {
        "id": uuid.uuid4().hex[:12],
        "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "question": question,
        "ui_language": ui_lang,
        "result": result,
        "feedback": None,
    }


def bridge_request(payload: str | None) -> dict[str, Any]:
    """A request from the page's script: ``{"action": "nav", "clause": "5.3"}``,
    ``{"action": "nav", "article": 2}`` or ``{"action": "feedback", "id", "verdict", "comment"}``.
    Anything else is ``{}``."""
    try:
        data = json.loads(payload or "")
    except (TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) and data.get("action") in ("nav", "feedback") else {}


def apply_feedback(
    entry: dict[str, Any], verdict: str, comment: str | None
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The exchange with its new rating, and what to record (None: nothing changed).

    One rating per answer: the same verdict and comment again records nothing; another
    verdict or comment replaces it (a new record naming the one it replaces).
    """
    before = entry.get("feedback") or {}
    comment = (comment or "").strip()[:COMMENT_MAX_CHARS]
    if verdict == "comment":  # "send comment" keeps the chosen verdict
        verdict = before.get("verdict") or ""
        if not verdict:
            return {**entry, "feedback": {**before, "status": "feedback_choose"}}, None
    if verdict not in VERDICTS:
        return entry, None
    if before.get("verdict") == verdict and (before.get("comment") or "") == comment:
        return {**entry, "feedback": {**before, "status": "feedback_thanks"}}, None
    status = "feedback_changed" if before.get("verdict") else "feedback_thanks"
    record = {"verdict": verdict, "comment": comment or None, "replaces": before.get("verdict")}
    return {**entry, "feedback": {"verdict": verdict, "comment": comment, "status": status}}, record


def query_wishes(params: Mapping[str, str], accept_language: str | None) -> dict[str, Any]:
    """What a link asks for: ``?lang=``, ``?clause=5.3``, ``?article=5``, ``?q=...``."""
    wanted = params.get("lang") or language_from_accept(accept_language)
    article = params.get("article", "")
    return {
        "lang": normalise_lang(wanted),
        "clause": (params.get("clause") or "").strip()[:20] or None,
        "article": int(article) if article.strip().isdigit() else None,
        "q": (params.get("q") or "").strip() or None,
    }


@dataclass(frozen=True)
class Cited:
    """The clause the article view marks, and the sentence or item to mark in each language;
    kept per session in a ``gr.State``."""

    citation: Citation
    highlights: dict[str, str] | None = None


# ---------------------------------------------------------------- the layout, in small builders


@dataclass
class Header:
    html: gr.HTML
    ui_lang: gr.Radio


@dataclass
class ChatTab:
    tab: gr.Tab
    conversation: gr.HTML
    question: gr.Textbox
    ask: gr.Button
    notice: gr.HTML
    examples: gr.Examples
    clear: gr.Button
    print_all: gr.Button
    export_all: gr.Button
    history_note: gr.HTML


@dataclass
class BrowseTab:
    tab: gr.Tab
    article: gr.Dropdown
    filter: gr.Textbox
    view: gr.HTML


def build_header(agreement: Agreement, ui: str) -> Header:
    _load_gradio()
    with gr.Row(equal_height=False, elem_id="tq-top"):
        with gr.Column(scale=5, min_width=240):
            html = gr.HTML(render_header(agreement, ui), elem_id="tq-header")
        with gr.Column(scale=1, min_width=200):
            ui_lang = gr.Radio(choices=LANGUAGE_CHOICES, value=ui, label=t("ui_language", ui), elem_id="tq-ui-lang")
    return Header(html, ui_lang)


def build_chat_tab(agreement: Agreement, ui: str) -> ChatTab:
    _load_gradio()
    with gr.Tab(t("chat_label", ui), id="chat", elem_id="tq-tab-chat") as tab:
        conversation = gr.HTML(render_conversation([], ui, agreement), elem_id="tq-chat", js_on_load=None)
        with gr.Row(equal_height=True, elem_id="tq-ask-row"):
            question = gr.Textbox(
                label=t("question_label", ui),
                placeholder=t("question_placeholder", ui),
                lines=1,  # one line grows as needed; Enter asks
                max_lines=8,
                elem_id="tq-question",
                scale=6,
                min_width=200,
            )
            ask = gr.Button(t("ask", ui), variant="primary", elem_id="tq-ask", scale=1, min_width=110)
        notice = gr.HTML("", elem_id="tq-notice", js_on_load=None)
        examples = gr.Examples(
            examples=[[e.question] for e in EXAMPLES],
            inputs=[question],
            label=t("examples", ui),
            elem_id="tq-examples",
            examples_per_page=len(EXAMPLES),
        )
        with gr.Row(equal_height=True, elem_id="tq-chat-tools"):
            print_all = gr.Button(t("print_all", ui), elem_id="tq-print-all", size="sm", variant="secondary")
            export_all = gr.Button(t("export_all", ui), elem_id="tq-export-all", size="sm", variant="secondary")
            clear = gr.Button(t("clear", ui), elem_id="tq-clear", size="sm", variant="secondary")
        history_note = gr.HTML(_history_note(ui), elem_id="tq-history-note", js_on_load=None)
    return ChatTab(tab, conversation, question, ask, notice, examples, clear, print_all, export_all, history_note)


def build_browse_tab(agreement: Agreement, ui: str) -> BrowseTab:
    _load_gradio()
    with gr.Tab(t("browse_heading", ui), id="browse", elem_id="tq-tab-browse") as tab:
        with gr.Row(equal_height=True, elem_id="tq-browse-row"):
            article = gr.Dropdown(
                choices=article_choices(agreement, ui),
                value=DEFAULT_ARTICLE,
                label=t("browse_label", ui),
                elem_id="tq-browse",
                interactive=True,
                scale=3,
                min_width=220,
            )
            filter_box = gr.Textbox(
                label=t("filter_label", ui),
                placeholder=t("filter_placeholder", ui),
                elem_id="tq-filter",
                scale=2,
                min_width=200,
            )
        view = gr.HTML(render_article(agreement, DEFAULT_ARTICLE, ui), elem_id="tq-article", js_on_load=None)
    return BrowseTab(tab, article, filter_box, view)


def _history_note(ui: str) -> str:
    return f'<p class="tq-history-note">{t("history_note", ui)}</p>'


# ---------------------------------------------------------------- what the handlers do


class ChatLogic:
    """What the chat's handlers do, apart from the layout: ask, open a clause, draw an article,
    record a rating. Each reads ``qa.agreement`` as it runs, so an edited corpus is served."""

    def __init__(self, qa: Asker, feedback: FeedbackStore, top_k: int = TOP_K):
        self.qa, self.feedback, self.top_k = qa, feedback, top_k
        self.numbers = article_numbers(qa.agreement)

    def answer_dict(self, question: str, k: int | None = None, lang: str | None = None) -> dict[str, Any]:
        return self.qa.ask(question, top_k=self.top_k if k is None else k, lang=lang).to_dict()

    def article_html(self, number: int | None, lang: str, mark: Cited | None, message: str | None = None) -> str:
        number = DEFAULT_ARTICLE if number is None or int(number) not in self.numbers else int(number)
        if mark is None or mark.citation.article != number:
            return render_article(self.qa.agreement, number, lang, message=message)
        return render_article(
            self.qa.agreement, number, lang, cited=mark.citation, highlights=mark.highlights, message=message
        )

    def open_clause(self, key: str | None, article: int | None, lang: str) -> tuple[int, Cited | None, str]:
        """The article to show, the clause to mark, and its HTML, for ``?clause=`` / ``?article=``."""
        if key is not None:
            citation = Citation.from_key(key)  # the one place a clause key is read
            if citation is not None and citation.article in self.numbers:
                try:
                    self.qa.agreement["kk"].clause(citation)
                    mark = Cited(citation)
                    return citation.article, mark, self.article_html(citation.article, lang, mark)
                except KeyError:
                    pass
            shown = citation.article if citation is not None and citation.article in self.numbers else DEFAULT_ARTICLE
            message = t("no_such_clause", lang, clause=key)
            return shown, None, self.article_html(shown, lang, None, message)
        number = article if article in self.numbers else DEFAULT_ARTICLE
        return number, None, self.article_html(number, lang, None)

    def ask_into(self, raw: str, lang: str, hist: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], Answer | None, str]:
        """Ask; an answer joins the history, a bad question becomes a notice (never a bubble)."""
        try:
            answer = self.qa.ask(raw, top_k=self.top_k)
        except Exception as exc:  # every failure becomes a message in the page
            if not isinstance(exc, (InvalidQuestion, IndexUnavailable)):
                logger.exception("answering failed")
            errors = error_messages(exc)
            return hist, None, render_error(errors.get(lang) or errors.get("en") or next(iter(errors.values())))
        return [*hist, new_entry(displayable(raw), answer.to_dict(), lang)][-MAX_HISTORY:], answer, ""

    @staticmethod
    def follow(answer: Answer | None, mark: Cited | None, number: Any) -> tuple[Cited | None, Any]:
        """The browse view follows an answer to its article, the cited clause marked."""
        if answer is not None and answer.hits and not answer.abstained:
            top = answer.hits[0]
            mark, number = Cited(top.citation, top.highlight_text), top.citation.article
        return mark, number

    def rate(self, hist: list[dict[str, Any]], request: dict[str, Any], lang: str) -> list[dict[str, Any]]:
        """The history with one answer's rating applied (and recorded, if it changed)."""
        for i, entry in enumerate(hist):
            if entry.get("id") != request.get("id"):
                continue
            updated, record = apply_feedback(entry, str(request.get("verdict")), request.get("comment"))
            if record is not None:
                try:
                    self.feedback.record(
                        record["verdict"], entry["result"], ui_language=lang,
                        answer_id=entry["id"], comment=record["comment"], replaces=record["replaces"],
                    )
                except FeedbackNotSaved as exc:
                    updated = {**entry, "feedback": {**(entry.get("feedback") or {}), "status": "feedback_failed"}}
                    updated["feedback"]["error"] = exc.message(lang)
            return [*hist[:i], updated, *hist[i + 1 :]]
        return hist

    def browse_view(self, text: str | None, number: Any, lang: str, mark: Cited | None) -> str:
        """The filter's results while it holds words, else the article."""
        if (text or "").strip():
            return render_search(self.qa.agreement, text or "", lang)
        return self.article_html(number, lang, mark)


# ---------------------------------------------------------------- the page and its events


@dataclass
class Page:
    """Every component a handler reads or writes, by area."""

    header: Header
    chat: ChatTab
    browse: BrowseTab
    tabs: gr.Tabs
    history: gr.BrowserState
    cited: gr.State  # the Cited clause the article view marks
    bridge: gr.Textbox  # the page's script writes a JSON request here and clicks bridge_go (both hidden)
    bridge_go: gr.Button


def build_page(agreement: Agreement, storage_secret: str | None) -> Page:
    history = gr.BrowserState([], storage_key=HISTORY_KEY, secret=storage_secret or secrets.token_hex(16))
    cited = gr.State(None)
    header = build_header(agreement, DEFAULT_UI_LANGUAGE)
    with gr.Tabs(elem_id="tq-tabs", selected="chat") as tabs:
        chat = build_chat_tab(agreement, DEFAULT_UI_LANGUAGE)
        browse = build_browse_tab(agreement, DEFAULT_UI_LANGUAGE)
    bridge = gr.Textbox("", elem_id="tq-bridge", elem_classes=["tq-hidden"], show_label=False, container=False)
    bridge_go = gr.Button("bridge", elem_id="tq-bridge-go", elem_classes=["tq-hidden"])
    return Page(header, chat, browse, tabs, history, cited, bridge, bridge_go)


def wire_ask(page: Page, logic: ChatLogic) -> None:
    chat, browse = page.chat, page.browse

    def on_ask(text: str | None, lang: str, hist, mark, number):
        lang = normalise_lang(lang)
        raw = text if isinstance(text, str) else ""
        hist, answer, notice = logic.ask_into(raw, lang, clean_history(hist))
        mark, number = logic.follow(answer, mark, number)
        return {
            chat.conversation: render_conversation(hist, lang, logic.qa.agreement),
            page.history: hist,
            chat.question: displayable(raw) if answer is None else "",  # a refused question stays to be fixed
            chat.notice: notice,
            page.cited: mark,
            browse.article: gr.update(value=number),
            browse.view: logic.article_html(number, lang, mark),
        }

    for trigger in (chat.ask.click, chat.question.submit):
        trigger(
            on_ask,
            inputs=[chat.question, page.header.ui_lang, page.history, page.cited, browse.article],
            outputs=[chat.conversation, page.history, chat.question, chat.notice, page.cited, browse.article, browse.view],
            api_visibility=PRIVATE,
            show_progress="hidden",  # the page shows its own, translated, progress line
        ).then(None, js=AFTER_ASK, api_visibility=PRIVATE, queue=False)


def wire_bridge(page: Page, logic: ChatLogic) -> None:
    """The page script's requests: open a clause or an article, rate an answer."""
    chat, browse = page.chat, page.browse

    def on_bridge(payload: str, lang: str, hist):
        lang = normalise_lang(lang)
        request = bridge_request(payload)
        if request.get("action") == "nav":
            article = request.get("article")
            number, mark, view = logic.open_clause(
                request.get("clause"), int(article) if str(article).isdigit() else None, lang
            )
            return {page.tabs: gr.Tabs(selected="browse"), browse.article: gr.update(value=number),
                    browse.view: view, page.cited: mark, page.bridge: ""}
        if request.get("action") == "feedback":
            hist = logic.rate(clean_history(hist), request, lang)
            return {chat.conversation: render_conversation(hist, lang, logic.qa.agreement), page.history: hist,
                    page.bridge: ""}
        return {page.bridge: ""}

    page.bridge_go.click(
        on_bridge,
        inputs=[page.bridge, page.header.ui_lang, page.history],
        outputs=[chat.conversation, page.history, page.tabs, browse.article, browse.view, page.cited, page.bridge],
        api_visibility=PRIVATE,
        show_progress="hidden",
    ).then(None, js=AFTER_NAV, api_visibility=PRIVATE, queue=False)


def wire_chat_tools(page: Page, logic: ChatLogic) -> None:
    """Clear, print and export the conversation."""
    chat = page.chat

    def on_clear(lang: str):
        return render_conversation([], normalise_lang(lang), logic.qa.agreement), [], None, ""

    chat.clear.click(
        on_clear, inputs=[page.header.ui_lang], outputs=[chat.conversation, page.history, page.cited, chat.notice],
        api_visibility=PRIVATE, show_progress="hidden",
    )
    chat.print_all.click(None, js=PRINT_ALL, api_visibility=PRIVATE, queue=False)
    chat.export_all.click(None, js=EXPORT_ALL, api_visibility=PRIVATE, queue=False)


def wire_browse(page: Page, logic: ChatLogic) -> None:
    """The article picker and the filter."""
    browse = page.browse
    browse.article.input(
        lambda number, lang, mark: logic.article_html(number, lang, mark),
        inputs=[browse.article, page.header.ui_lang, page.cited],
        outputs=[browse.view],
        api_visibility=PRIVATE,
        show_progress="hidden",
    ).then(None, js=AFTER_ARTICLE, api_visibility=PRIVATE, queue=False)

    def on_filter(text: str, number, lang: str, mark):
        return logic.browse_view(text, number, normalise_lang(lang), mark)

    # .change, not .input: Gradio's textbox does not report every typed character as input
    browse.filter.change(
        on_filter,
        inputs=[browse.filter, browse.article, page.header.ui_lang, page.cited],
        outputs=[browse.view],
        api_visibility=PRIVATE,
        show_progress="hidden",
        trigger_mode="always_last",
    )


def wire_language(page: Page, logic: ChatLogic) -> None:
    """The interface language switch redraws every label and view (of the agreement served now)."""
    header, chat, browse = page.header, page.chat, page.browse

    def on_language(lang: str, hist, number, mark, text: str):
        lang = normalise_lang(lang)
        agreement = logic.qa.agreement
        return {
            header.html: render_header(agreement, lang),
            header.ui_lang: gr.update(label=t("ui_language", lang)),
            chat.tab: gr.update(label=t("chat_label", lang)),
            chat.conversation: render_conversation(clean_history(hist), lang, agreement),
            chat.question: gr.update(label=t("question_label", lang), placeholder=t("question_placeholder", lang)),
            chat.ask: gr.update(value=t("ask", lang)),
            chat.examples.dataset: gr.update(label=t("examples", lang)),
            chat.print_all: gr.update(value=t("print_all", lang)),
            chat.export_all: gr.update(value=t("export_all", lang)),
            chat.clear: gr.update(value=t("clear", lang)),
            chat.history_note: _history_note(lang),
            chat.notice: "",
            browse.tab: gr.update(label=t("browse_heading", lang)),
            browse.article: gr.update(choices=article_choices(agreement, lang), label=t("browse_label", lang), value=number),
            browse.filter: gr.update(label=t("filter_label", lang), placeholder=t("filter_placeholder", lang)),
            browse.view: logic.browse_view(text, number, lang, mark),
        }

    header.ui_lang.change(
        on_language,
        inputs=[header.ui_lang, page.history, browse.article, page.cited, browse.filter],
        outputs=[
            header.html, header.ui_lang,
            chat.tab, chat.conversation, chat.question, chat.ask, chat.examples.dataset,
            chat.print_all, chat.export_all, chat.clear, chat.history_note, chat.notice,
            browse.tab, browse.article, browse.filter, browse.view,
        ],
        api_visibility=PRIVATE,
        show_progress="hidden",
    )


def wire_load(page: Page, logic: ChatLogic, demo: gr.Blocks) -> None:
    chat, browse = page.chat, page.browse

    def on_load(hist, request: gr.Request):
        """A link's wishes: the interface language, a clause or article to open, a question to ask.

        The page starts in the default language; only a different wish changes it (so a
        click on the switch while the page loads is never undone by this).
        """
        params = dict(request.query_params) if request is not None else {}
        wishes = query_wishes(params, request.headers.get("accept-language") if request is not None else None)
        lang = wishes["lang"]
        hist = clean_history(hist)
        out: dict[Any, Any] = {page.cited: None, chat.notice: ""}
        if wishes["clause"] or wishes["article"] is not None:
            number, mark, view = logic.open_clause(wishes["clause"], wishes["article"], lang)
            out |= {page.tabs: gr.Tabs(selected="browse"), browse.article: gr.update(value=number),
                    browse.view: view, page.cited: mark}
        elif wishes["q"]:
            hist, answer, notice = logic.ask_into(wishes["q"], lang, hist)
            mark, number = logic.follow(answer, None, DEFAULT_ARTICLE)
            out |= {browse.article: gr.update(value=number), browse.view: logic.article_html(number, lang, mark),
                    page.cited: mark, chat.notice: notice}
        if lang != DEFAULT_UI_LANGUAGE:
            out[page.header.ui_lang] = lang
        return out | {chat.conversation: render_conversation(hist, lang, logic.qa.agreement), page.history: hist}

    demo.load(
        on_load,
        inputs=[page.history],
        outputs=[page.header.ui_lang, chat.conversation, page.history, page.tabs, browse.article, browse.view,
                 page.cited, chat.notice],
        api_visibility=PRIVATE,
        show_progress="hidden",
    ).then(None, js=AFTER_LOAD, api_visibility=PRIVATE, queue=False)


# ---------------------------------------------------------------- the app


def build_blocks(
    qa: Asker, feedback: FeedbackStore, top_k: int = TOP_K, storage_secret: str | None = None
) -> gr.Blocks:
    """The chat. ``storage_secret`` encrypts the history in the browser; a fixed one lets
    a history outlive a restart of the app (by default a new one per process)."""
    _load_gradio()
    agreement = qa.agreement  # the first page's (handlers read qa.agreement: an edited corpus is served)
    logic = ChatLogic(qa, feedback, top_k)
    with gr.Blocks(title="TreatyQA", analytics_enabled=False, fill_width=False) as demo:
        page = build_page(agreement, storage_secret)
        wire_ask(page, logic)
        wire_bridge(page, logic)
        wire_chat_tools(page, logic)
        wire_browse(page, logic)
        wire_language(page, logic)
        wire_load(page, logic, demo)

        def ask(question: str, top_k: int = TOP_K, lang: str | None = None) -> dict:
            """Answer a question about the agreement: the same JSON as the CLI's --json and POST /api/ask."""
            return answer_or_error(logic.answer_dict, question, top_k, lang)

        gr.api(ask, api_name="ask")  # the one public event: gradio_client's /ask
    return demo


__all__ = [
    "CSS",
    "ChatLogic",
    "Cited",
    "HEAD",
    "Page",
    "TOP_K",
    "apply_feedback",
    "bridge_request",
    "build_blocks",
    "clean_history",
    "make_theme",
    "query_wishes",
    "render_header",
]
