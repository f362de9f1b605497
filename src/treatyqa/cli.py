"""``python -m treatyqa ask "QUESTION" [--top-k K] [--lang kk|ru] [--json]``; ``python -m treatyqa mcp [--http]``."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import textwrap

from treatyqa.domain import Answer, answer_language
from treatyqa.errors import TreatyQAError
from treatyqa.parser import CorpusError
from treatyqa.validation import displayable

STATUS = {
    "authentic": {"kk": "түпнұсқа мәтін", "ru": "аутентичный текст"},
    "working_translation": {"kk": "ресми емес жұмыс аудармасы", "ru": "неофициальный рабочий перевод"},
}
NOTE_HEADING = {"kk": "Аудармашының ескертпесі", "ru": "Примечание переводчика"}
LITERAL_HEADING = {"kk": "Түпнұсқа мәтін сөзбе-сөз", "ru": "Дословно по аутентичному тексту"}
LANG_NAME = {"kk": {"kk": "Қазақша", "ru": "Казахский"}, "ru": {"kk": "Орысша", "ru": "Русский"}}


READ_AS = {"kk": "Сұрақ былай түсінілді", "ru": "Вопрос понят так"}


def format_answer(answer: Answer) -> str:
    """A readable answer: the message, then each citation with both texts."""
    ui = answer_language(answer.language)
    out = [answer.message, ""]
    searched = answer.read_as.get("text")
    if searched and searched != answer.question:  # restored letters, Latin script, typos
        out[1:1] = [f"{READ_AS[ui]}: {searched}", ""]
    for rank, hit in enumerate(answer.hits, start=1):
        out.append(f"{rank}. {hit.label} — {hit.title[ui]}  (score {hit.score:.3f})")
        out.append(f"   » {hit.highlight}")
        for code in ("kk", "ru"):
            out.append(f"   [{LANG_NAME[code][ui]}, {STATUS[hit.status[code]][ui]}]")
            for line in hit.text[code].splitlines():
                out.extend(textwrap.wrap(line, 96, initial_indent="     ", subsequent_indent="       "))
            if hit.note and hit.note.lang == code:
                out.append(f"   [{NOTE_HEADING[ui]}]")
                for line in (hit.note.note, f"{LITERAL_HEADING[ui]}: «{hit.note.literal}»"):
                    out.extend(textwrap.wrap(line, 96, initial_indent="     ", subsequent_indent="       "))
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m treatyqa", description="Cited answers from the 2008 Sochi agreement.")
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="ask a question in Kazakh or Russian")
    ask.add_argument("question")
    ask.add_argument("--top-k", type=int, default=5)
    ask.add_argument("--lang", choices=["kk", "ru"], help="the question's language (default: detect)")
    ask.add_argument("--json", action="store_true", help="print exactly one JSON object")
    ask.add_argument("-v", "--verbose", action="store_true", help="show progress and library logs")
    mcp = sub.add_parser("mcp", help="serve the tools ask, get_clause and list_articles over MCP (stdio by default)")
    mcp.add_argument("--http", action="store_true", help="streamable HTTP on 127.0.0.1 instead of stdio")
    mcp.add_argument("--port", type=int, default=8765, help="the HTTP port (default 8765)")
    mcp.add_argument("-v", "--verbose", action="store_true", help="show progress and library logs on stderr")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s", stream=sys.stderr)
    if args.command == "mcp":
        from treatyqa.mcp_server import serve

        serve(http=args.http, port=args.port)
        return 0
    from treatyqa.entry import open_qa

    try:
        with open_qa(progress=lambda msg: print(msg, file=sys.stderr) if args.verbose else None, preload_language=False) as qa:
            answer = qa.ask(args.question, top_k=args.top_k, lang=args.lang)
    except (TreatyQAError, CorpusError) as exc:
        lang = answer_language(args.lang)
        message = exc.message(lang) if isinstance(exc, TreatyQAError) else str(exc)
        if args.json:
            print(json.dumps({"error": message, "question": displayable(args.question)}, ensure_ascii=False))
        else:
            print(f"error: {message}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False))
    else:
        sys.stdout.write(format_answer(answer))
    return 0
