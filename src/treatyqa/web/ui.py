"""The Gradio chat: question box, cited bilingual answers, language switch, browse, feedback.

``build_blocks(qa, feedback)`` needs only an object with ``ask(question, top_k, lang)``
returning an :class:`~treatyqa.domain.Answer` and an ``agreement``: the web chat, the HTTP
endpoint and the CLI all call the same :class:`treatyqa.TreatyQA`.

Everything shown in the chat is HTML built by :mod:`treatyqa.web.render` with every piece of
text escaped; the Chatbot renders it with Markdown off, so user text is never markup.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import treatyqa  # noqa: F401  (offline environment variables before gradio is imported)
import gradio as gr

from treatyqa.domain import Agreement, Answer, Citation
from treatyqa.errors import IndexUnavailable, InvalidQuestion
from treatyqa.validation import displayable
from treatyqa.web.feedback import FeedbackNotSaved, FeedbackStore
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
    article_choices,
    esc,
    provenance_text,
    render_answer,
    render_article,
    render_error,
    render_question,
)

logger = logging.getLogger(__name__)

TOP_K = 5
MAX_HISTORY = 50  # exchanges kept in a session's chat (the oldest are dropped)
DEFAULT_ARTICLE = 5
PRIVATE = "private"  # UI events are not part of the API; only /ask is


class Asker(Protocol):
    agreement: Agreement

    def ask(self, question: str, top_k: int = 5, lang: str | None = None) -> Answer: ...


# System fonts only: no font file is fetched from anywhere (Google Fonts or otherwise).
SANS = ("system-ui", "Segoe UI", "Noto Sans", "DejaVu Sans", "Arial", "sans-serif")
MONO = ("ui-monospace", "DejaVu Sans Mono", "Consolas", "monospace")


def make_theme() -> gr.themes.Base:
    return gr.themes.Soft(primary_hue="blue", neutral_hue="slate", font=SANS, font_mono=MONO)


CSS = """
.gradio-container { max-width: 1280px !important; margin: 0 auto; }
#tq-header h1 { font-size: 1.35rem; margin: 0 0 .15rem 0; }
#tq-header .tq-agreement { font-size: .9rem; opacity: .85; margin: 0 0 .2rem 0; }
#tq-header .tq-sub, #tq-header .tq-offline { font-size: .85rem; margin: .05rem 0; }
#tq-header .tq-offline { opacity: .7; }
#tq-ui-lang { align-self: flex-start; }
.tq-answer { line-height: 1.5; }
.tq-question { white-space: pre-wrap; overflow-wrap: anywhere; }
.tq-cite { display: flex; flex-wrap: wrap; gap: .6rem; align-items: baseline; }
.tq-primary .tq-cite-label { font-size: 1.2rem; font-weight: 700; }
.tq-cite-alt { opacity: .7; }
.tq-cite-alt::before { content: "· "; }
.tq-hit-title { font-weight: 600; margin: .1rem 0 .5rem 0; }
.tq-side { display: grid; grid-template-columns: 1fr 1fr; gap: .75rem; margin: .4rem 0; }
@media (max-width: 760px) { .tq-side { grid-template-columns: 1fr; } }
.tq-col { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: .5rem .75rem;
          background: var(--block-background-fill); }
.tq-col-head { font-size: .8rem; text-transform: uppercase; letter-spacing: .03em; opacity: .8;
               display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; }
.tq-status { border-radius: 4px; padding: 0 .35rem; text-transform: none; letter-spacing: 0;
             background: #dcfce7; color: #166534; }
.tq-status.tq-unofficial { background: #ffedd5; color: #9a3412; }
.tq-col-cite { font-weight: 600; margin: .2rem 0 .3rem 0; }
.tq-text p { margin: .2rem 0; }
.tq-text ul, .tq-article-table ul { margin: .2rem 0 .2rem 1.2rem; padding: 0; }
.tq-answer mark, .tq-article-view mark { background: #fde68a; color: inherit; padding: 0 .1rem; border-radius: 2px; }
.tq-open-article > summary, .tq-secondary > summary { cursor: pointer; margin: .35rem 0; }
.tq-open-article > summary { color: var(--link-text-color, #2563eb); }
.tq-further { margin-top: .8rem; border-top: 1px solid var(--border-color-primary); padding-top: .4rem; }
.tq-further-heading { font-weight: 600; margin-bottom: .2rem; }
.tq-secondary { border-left: 3px solid var(--border-color-primary); padding-left: .5rem; margin: .35rem 0; }
.tq-secondary > summary .tq-cite { display: inline-flex; gap: .4rem; }
.tq-secondary .tq-cite-label { font-weight: 600; }
.tq-secondary > summary .tq-hit-title { display: inline; font-weight: 400; margin-left: .4rem; }
.tq-secondary > summary .tq-hit-title::before { content: "— "; }
.tq-snippet { display: block; opacity: .8; font-size: .92rem; margin: .1rem 0 0 1rem; }
.tq-abstain { font-weight: 600; padding: .4rem .6rem; border-radius: 6px; background: #eff6ff; color: #1e3a8a; }
.tq-error { font-weight: 600; padding: .4rem .6rem; border-radius: 6px; background: #fef2f2; color: #991b1b; }
.tq-article-table { width: 100%; border-collapse: collapse; table-layout: fixed; }
.tq-article-table th, .tq-article-table td { vertical-align: top; text-align: left; padding: .35rem .5rem;
            border-bottom: 1px solid var(--border-color-primary); }
.tq-article-table tr.tq-cited td { background: rgba(253, 230, 138, .25); }
.tq-article-title { font-weight: 600; text-transform: none; }
.tq-article-heading { font-weight: 700; font-size: 1.1rem; margin: .2rem 0 .4rem 0; }
.tq-par-no { font-weight: 600; }
.tq-provenance { font-size: .85rem; opacity: .8; margin-top: .4rem; }
#tq-fb-status .tq-fb { font-size: .9rem; }
"""


# After an answer: scroll the chat (only the chat) so the last question and the start of its
# answer, the citation, are in view; long answers would otherwise show their last hits.
SCROLL_TO_LAST_QUESTION = """
() => {
  setTimeout(() => {
    const qs = document.querySelectorAll('#tq-chat .tq-question');
    const last = qs[qs.length - 1];
    if (!last) return;
    let box = last.parentElement;
    while (box && !(box.scrollHeight > box.clientHeight + 2 &&
                    ['auto', 'scroll'].includes(getComputedStyle(box).overflowY))) {
      box = box.parentElement;
    }
    if (box) box.scrollTop += last.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
  }, 60);
}
"""


def render_header(agreement: Agreement, ui_lang: str) -> str:
    text = agreement[ui_lang]
    return (
        f"<div><h1>{esc(t('app_title', ui_lang))}</h1>"
        f'<p class="tq-agreement" lang="{ui_lang}">{esc(text.title)} — {esc(text.place_date)}</p>'
        f'<p class="tq-sub">{esc(t("app_subtitle", ui_lang))}</p>'
        f'<p class="tq-offline">{esc(t("offline_note", ui_lang))} {esc(provenance_text(agreement, ui_lang))}</p></div>'
    )


def chat_messages(history: list[dict[str, Any]], ui_lang: str, agreement: Agreement | None) -> list[dict[str, str]]:
    """The Chatbot value for the session's history, rendered in ``ui_lang``."""
    messages: list[dict[str, str]] = []
    for entry in history:
        messages.append({"role": "user", "content": render_question(entry.get("question", ""))})
        if entry.get("result") is not None:
            content = render_answer(entry["result"], ui_lang, agreement)
        else:
            errors = entry.get("error") or STRINGS["error_internal"]
            content = render_error(errors.get(ui_lang) or errors.get("en") or next(iter(errors.values())))
        messages.append({"role": "assistant", "content": content})
    return messages


def error_messages(exc: Exception) -> dict[str, str]:
    """The user-facing messages of an error, by language."""
    if isinstance(exc, (InvalidQuestion, IndexUnavailable)):
        return dict(exc.messages)
    return dict(STRINGS["error_internal"], en="An internal error occurred; no answer was produced.")


def fb_html(key: str, ui_lang: str, **fields: object) -> str:
    return f'<div class="tq-fb" data-key="{esc(key)}">{esc(t(key, ui_lang, **fields))}</div>'


def build_blocks(qa: Asker, feedback: FeedbackStore, top_k: int = TOP_K) -> gr.Blocks:
    agreement = qa.agreement
    ui0 = DEFAULT_UI_LANGUAGE

    def answer_dict(question: str, k: int = top_k, lang: str | None = None) -> dict[str, Any]:
        return qa.ask(question, top_k=k, lang=lang).to_dict()

    with gr.Blocks(title="TreatyQA", analytics_enabled=False, fill_width=False) as demo:
        history = gr.State([])
        cited = gr.State(None)  # the clause the article view marks: {"article", "paragraph", "highlights"}

        with gr.Row(equal_height=False):
            with gr.Column(scale=5):
                header = gr.HTML(render_header(agreement, ui0), elem_id="tq-header")
            with gr.Column(scale=1, min_width=230):
                ui_lang = gr.Radio(
                    choices=LANGUAGE_CHOICES,
                    value=ui0,
                    label=t("ui_language", ui0),
                    elem_id="tq-ui-lang",
                )

        with gr.Tabs(elem_id="tq-tabs"):
            with gr.Tab(t("chat_label", ui0), id="chat", elem_id="tq-tab-chat") as chat_tab:
                chatbot = gr.Chatbot(
                    value=[],
                    label=t("chat_label", ui0),
                    show_label=False,
                    elem_id="tq-chat",
                    render_markdown=False,
                    sanitize_html=True,
                    layout="panel",
                    height="64vh",
                    min_height=420,
                    buttons=["copy"],
                    feedback_options=None,
                    placeholder=esc(t("chat_placeholder", ui0)),
                    autoscroll=False,  # SCROLL_TO_LAST_QUESTION shows the citation, not the end
                )
                with gr.Row(equal_height=True):
                    question = gr.Textbox(
                        label=t("question_label", ui0),
                        placeholder=t("question_placeholder", ui0),
                        lines=1,  # one line grows as needed; Enter asks (Gradio submits multi-line boxes on Shift+Enter)
                        max_lines=8,
                        elem_id="tq-question",
                        scale=6,
                        autofocus=True,
                    )
                    ask_btn = gr.Button(t("ask", ui0), variant="primary", elem_id="tq-ask", scale=1, min_width=120)
                examples = gr.Examples(
                    examples=[[q] for _, q in EXAMPLES],
                    inputs=[question],
                    label=t("examples", ui0),
                    elem_id="tq-examples",
                    examples_per_page=len(EXAMPLES),
                )
                with gr.Row(equal_height=True):
                    fb_heading = gr.HTML(f"<b>{esc(t('feedback_heading', ui0))}</b>", elem_id="tq-fb-heading")
                    helpful_btn = gr.Button(t("feedback_helpful", ui0), elem_id="tq-fb-helpful", size="sm")
                    wrong_btn = gr.Button(t("feedback_wrong", ui0), elem_id="tq-fb-wrong", size="sm")
                    clear_btn = gr.Button(t("clear", ui0), elem_id="tq-clear", size="sm", variant="secondary")
                fb_status = gr.HTML("", elem_id="tq-fb-status")
            with gr.Tab(t("browse_heading", ui0), id="browse", elem_id="tq-tab-browse") as browse_tab:
                article_dd = gr.Dropdown(
                    choices=article_choices(agreement, ui0),
                    value=DEFAULT_ARTICLE,
                    label=t("browse_label", ui0),
                    elem_id="tq-browse",
                    interactive=True,
                )
                article_view = gr.HTML(render_article(agreement, DEFAULT_ARTICLE, ui0), elem_id="tq-article")

        # ------------------------------------------------------------ handlers

        def article_html(number: int | None, lang: str, mark: dict[str, Any] | None) -> str:
            number = DEFAULT_ARTICLE if number is None else int(number)
            citation = None
            highlights = None
            if mark and int(mark["article"]) == number:
                citation = Citation(number, mark.get("paragraph"), mark.get("item"))
                highlights = mark.get("highlights")
            return render_article(agreement, number, lang, cited=citation, highlights=highlights)

        def on_ask(text: str | None, lang: str, hist: list[dict[str, Any]], mark: dict[str, Any] | None, number):
            lang = normalise_lang(lang)
            raw = text if isinstance(text, str) else ""
            entry: dict[str, Any] = {"question": displayable(raw), "ui_language": lang}
            try:
                entry["result"] = answer_dict(raw)
            except Exception as exc:  # every failure becomes a message in the chat
                if not isinstance(exc, (InvalidQuestion, IndexUnavailable)):
                    logger.exception("answering failed")
                entry["error"] = error_messages(exc)
            hist = [*hist, entry][-MAX_HISTORY:]
            result = entry.get("result")
            keep_text = displayable(raw) if result is None else ""
            if result and result["hits"] and not result["abstained"]:
                top = result["hits"][0]
                mark = {
                    "article": top["article"],
                    "paragraph": top["paragraph"],
                    "item": top.get("item"),
                    "highlights": top.get("highlights"),
                }
                number = top["article"]
            return (
                chat_messages(hist, lang, agreement),
                hist,
                keep_text,
                mark,
                gr.update(value=number),
                article_html(number, lang, mark),
                "",
            )

        ask_inputs = [question, ui_lang, history, cited, article_dd]
        ask_outputs = [chatbot, history, question, cited, article_dd, article_view, fb_status]
        for trigger in (ask_btn.click, question.submit):
            trigger(
                on_ask,
                inputs=ask_inputs,
                outputs=ask_outputs,
                api_visibility=PRIVATE,
                show_progress="minimal",
            ).then(None, js=SCROLL_TO_LAST_QUESTION, api_visibility=PRIVATE, queue=False)

        def on_feedback(verdict: str, lang: str, hist: list[dict[str, Any]]) -> str:
            lang = normalise_lang(lang)
            answered = [e for e in hist if e.get("result") is not None]
            if not answered:
                return fb_html("feedback_nothing", lang)
            try:
                feedback.record(verdict, answered[-1]["result"], ui_language=lang)
            except FeedbackNotSaved as exc:
                return fb_html("feedback_failed", lang, error=exc.message(lang))
            return fb_html("feedback_thanks", lang)

        helpful_btn.click(
            lambda lang, hist: on_feedback("helpful", lang, hist),
            inputs=[ui_lang, history],
            outputs=[fb_status],
            api_visibility=PRIVATE,
        )
        wrong_btn.click(
            lambda lang, hist: on_feedback("wrong_citation", lang, hist),
            inputs=[ui_lang, history],
            outputs=[fb_status],
            api_visibility=PRIVATE,
        )
        clear_btn.click(
            lambda: ([], [], None, ""),
            outputs=[chatbot, history, cited, fb_status],
            api_visibility=PRIVATE,
        )

        article_dd.input(
            lambda number, lang, mark: article_html(number, lang, mark),
            inputs=[article_dd, ui_lang, cited],
            outputs=[article_view],
            api_visibility=PRIVATE,
            show_progress="hidden",
        )

        def on_language(lang: str, hist: list[dict[str, Any]], number, mark):
            lang = normalise_lang(lang)
            return (
                render_header(agreement, lang),
                gr.update(label=t("ui_language", lang)),
                gr.update(
                    label=t("chat_label", lang),
                    value=chat_messages(hist, lang, agreement),
                    placeholder=esc(t("chat_placeholder", lang)),
                ),
                gr.update(label=t("question_label", lang), placeholder=t("question_placeholder", lang)),
                gr.update(value=t("ask", lang)),
                gr.update(label=t("examples", lang)),
                f"<b>{esc(t('feedback_heading', lang))}</b>",
                gr.update(value=t("feedback_helpful", lang)),
                gr.update(value=t("feedback_wrong", lang)),
                gr.update(value=t("clear", lang)),
                "",
                gr.update(label=t("chat_label", lang)),
                gr.update(label=t("browse_heading", lang)),
                gr.update(choices=article_choices(agreement, lang), label=t("browse_label", lang), value=number),
                article_html(number, lang, mark),
            )

        ui_lang.change(
            on_language,
            inputs=[ui_lang, history, article_dd, cited],
            outputs=[
                header,
                ui_lang,
                chatbot,
                question,
                ask_btn,
                examples.dataset,
                fb_heading,
                helpful_btn,
                wrong_btn,
                clear_btn,
                fb_status,
                chat_tab,
                browse_tab,
                article_dd,
                article_view,
            ],
            api_visibility=PRIVATE,
            show_progress="hidden",
        )

        def on_load(request: gr.Request):
            """``?lang=ru`` or the browser's Accept-Language picks the first interface language.

            The page starts in the default language; only a different wish changes it (so a
            click on the switch while the page loads is never undone by this).
            """
            wanted = None
            if request is not None:
                wanted = request.query_params.get("lang") or None
                if not wanted:
                    wanted = language_from_accept(request.headers.get("accept-language"))
            lang = normalise_lang(wanted)
            return gr.update() if lang == ui0 else lang

        demo.load(on_load, outputs=[ui_lang], api_visibility=PRIVATE, show_progress="hidden")

        # ------------------------------------------------------------ the API for gradio_client

        def ask(question: str, top_k: int = TOP_K, lang: str | None = None) -> dict:
            """Answer a question about the agreement: the same JSON as the CLI's --json and POST /api/ask."""
            return answer_or_error(answer_dict, question, top_k, lang)

        gr.api(ask, api_name="ask")

    return demo


__all__ = ["CSS", "TOP_K", "build_blocks", "chat_messages", "make_theme", "render_header"]
