"""TreatyQA as a Model Context Protocol server, for tools built on language models.

    python -m treatyqa mcp                    # stdio (the client starts this process)
    python -m treatyqa mcp --http --port 8765 # streamable HTTP on http://127.0.0.1:8765/mcp

Tools: ``ask(question, top_k, lang)`` returns exactly the object of ``python -m treatyqa ask
--json``; ``get_clause(article, paragraph)`` one clause (or a whole article) in both
languages; ``list_articles()`` the agreement's articles with their titles and paragraphs.
The index and the model load at the first ``ask``; the other two tools read only the
agreement. Errors come back as tool errors with the message in the question's language.

>>> import asyncio
>>> server = build_server()
>>> sorted(tool.name for tool in asyncio.run(server.list_tools()))
['ask', 'get_clause', 'list_articles']
>>> clause_record(load_agreement(), 5, 3)["citations"]
{'kk': '5-бап, 3-тармақ', 'ru': 'Статья 5, пункт 3'}
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

from treatyqa import offline as _offline  # noqa: F401  (before haystack and transformers)
from treatyqa.corpus import corpus_dir, load_agreement
from treatyqa.domain import LANGUAGES, Agreement, Citation, answer_language
from treatyqa.errors import InvalidQuestion, TreatyQAError
from treatyqa.settings import Settings

logger = logging.getLogger(__name__)

NAME = "treatyqa"
HOST = "127.0.0.1"
DEFAULT_PORT = 8765
INSTRUCTIONS = (
    "Cited answers from the 2008 Sochi cooperation agreement between the interior ministries of "
    "Kazakhstan and Russia. Ask in Kazakh or Russian; quote the returned clause and its citation "
    "('5-бап, 3-тармақ' / 'Статья 5, пункт 3'). Kazakh is the authentic text, Russian an unofficial "
    "working translation. When 'abstained' is true the agreement probably does not answer the question."
)


def _bad_clause(article: int, paragraph: int | None, agreement: Agreement) -> InvalidQuestion:
    numbers = [a.number for a in agreement["kk"].articles]
    if article != 0 and article not in numbers:
        return InvalidQuestion(
            f"There is no article {article}: the agreement has articles 1 to {max(numbers)} (0 is the preamble).",
            f"{article}-бап жоқ: келісімде 1-ден {max(numbers)}-ге дейінгі баптар бар (0 – кіріспе).",
            f"Статьи {article} нет: в Соглашении статьи с 1 по {max(numbers)} (0 – преамбула).",
        )
    paras = [] if article == 0 else [c.citation.paragraph for c in agreement["kk"].article(article).clauses if c.citation.paragraph]
    if not paras:
        return InvalidQuestion(
            f"Article {article} has no numbered paragraphs: leave the paragraph out.",
            f"{article}-бапта нөмірленген тармақтар жоқ: тармақ нөмірін көрсетпеңіз.",
            f"В статье {article} нет нумерованных пунктов: не указывайте пункт.",
        )
    return InvalidQuestion(
        f"Article {article} has no paragraph {paragraph}: its paragraphs are 1 to {max(paras)}.",
        f"{article}-бапта {paragraph}-тармақ жоқ: оның тармақтары 1-ден {max(paras)}-ге дейін.",
        f"В статье {article} нет пункта {paragraph}: в ней пункты с 1 по {max(paras)}.",
    )


def clause_record(agreement: Agreement, article: int, paragraph: int | None = None) -> dict[str, Any]:
    """One clause in both languages; ``paragraph`` None: the whole article (or the preamble)."""
    if not isinstance(article, int) or isinstance(article, bool) or (paragraph is not None and not isinstance(paragraph, int)):
        raise InvalidQuestion(
            "Article and paragraph must be whole numbers.",
            "Бап пен тармақ бүтін сан болуы керек.",
            "Статья и пункт должны быть целыми числами.",
        )
    citation = Citation(article, paragraph)
    try:
        if article == 0:
            if paragraph is not None:
                raise KeyError(paragraph)
            texts = {code: agreement[code].preamble.text for code in LANGUAGES}
        elif paragraph is None:
            texts = {code: agreement[code].article(article).text for code in LANGUAGES}
        else:
            texts = {code: agreement[code].clause(citation).text for code in LANGUAGES}
    except KeyError:
        raise _bad_clause(article, paragraph, agreement) from None
    return {
        "article": article,
        "paragraph": paragraph,
        "citations": {code: citation.label(code) for code in LANGUAGES},
        "titles": {code: agreement[code].title_of(article) for code in LANGUAGES},
        "text": texts,
        "status": {code: agreement.provenance[code].status for code in LANGUAGES},
    }


def article_list(agreement: Agreement) -> list[dict[str, Any]]:
    """The preamble (article 0) and every article: titles, labels and numbered paragraphs."""
    out = []
    for number in [0] + [a.number for a in agreement["kk"].articles]:
        paragraphs = [] if number == 0 else [
            c.citation.paragraph for c in agreement["kk"].article(number).clauses if c.citation.paragraph is not None
        ]
        out.append({
            "article": number,
            "citations": {code: Citation(number).label(code) for code in LANGUAGES},
            "titles": {code: agreement[code].title_of(number) for code in LANGUAGES},
            "paragraphs": paragraphs,
        })
    return out


class Service:
    """The tools' state: the agreement now, a :class:`treatyqa.TreatyQA` at the first question."""

    def __init__(self, qa_factory: Callable[[], Any] | None = None, settings: Settings | None = None):
        self.settings = settings or Settings.from_env()
        self.agreement = load_agreement(corpus_dir(self.settings))
        self._factory = qa_factory
        self._qa = None
        self._lock = threading.Lock()

    def qa(self):
        with self._lock:
            if self._qa is None:
                if self._factory is None:
                    from treatyqa.entry import open_qa

                    self._factory = lambda: open_qa(self.settings)
                # stdout carries the protocol: whatever building the index prints goes to stderr
                with contextlib.redirect_stdout(sys.stderr):
                    self._qa = self._factory()
            return self._qa

    def ask(self, question: str, top_k: int = 5, lang: str | None = None) -> dict[str, Any]:
        from mcp.server.mcpserver.exceptions import ToolError  # the client shows its message as is

        try:
            return self.qa().ask(question, top_k=top_k, lang=lang).to_dict()
        except TreatyQAError as exc:
            raise ToolError(exc.message(answer_language(lang))) from None

    def get_clause(self, article: int, paragraph: int | None = None) -> dict[str, Any]:
        from mcp.server.mcpserver.exceptions import ToolError

        try:
            return clause_record(self.agreement, article, paragraph)
        except TreatyQAError as exc:  # no question to tell the language by: all three
            raise ToolError(" / ".join(exc.message(code) for code in ("kk", "ru", "en"))) from None

    def close(self) -> None:
        with self._lock:
            qa, self._qa = self._qa, None
        if qa is not None:
            qa.close()


def build_server(service: Service | None = None):
    """The MCP server with its three tools (``mcp.server.mcpserver.MCPServer``)."""
    from mcp.server.mcpserver import MCPServer

    service = service or Service()

    @contextlib.asynccontextmanager
    async def lifespan(_server) -> AsyncIterator[None]:
        try:
            yield
        finally:
            service.close()  # releases the index folder's lock

    server = MCPServer(NAME, instructions=INSTRUCTIONS, lifespan=lifespan, log_level="WARNING")

    @server.tool()
    def ask(question: str, top_k: int = 5, lang: str | None = None) -> dict[str, Any]:
        """Find the clauses of the agreement that answer a question in Kazakh or Russian.

        Returns the same object as `python -m treatyqa ask --json`: question, language,
        abstained (true: the agreement probably does not answer), message, not_in_agreement
        (typed citations the agreement lacks, e.g. article 16), and hits, each with article,
        paragraph, citation labels, both texts and the highlighted sentence.
        top_k: 1 to 50 clauses; lang: "kk" or "ru" (default: detected).
        """
        return service.ask(question, top_k, lang)

    @server.tool()
    def get_clause(article: int, paragraph: int | None = None) -> dict[str, Any]:
        """The text of one clause in Kazakh and Russian, with its citation labels.

        article: 1 to 15, or 0 for the preamble; paragraph: the numbered paragraph, or
        omit it for the whole article (articles 1, 4, 9, 10, 12, 13, 14 have none).
        """
        return service.get_clause(article, paragraph)

    @server.tool()
    def list_articles() -> list[dict[str, Any]]:
        """The preamble (article 0) and the 15 articles: titles in both languages and their numbered paragraphs."""
        return article_list(service.agreement)

    return server


def serve(http: bool = False, port: int = DEFAULT_PORT) -> None:
    """Run until the client disconnects (stdio) or the process is stopped (HTTP, 127.0.0.1 only)."""
    server = build_server()
    if http:
        logger.warning("MCP over streamable HTTP at http://%s:%d/mcp", HOST, port)
        server.run("streamable-http", host=HOST, port=port)
    else:
        server.run("stdio")


__all__ = ["DEFAULT_PORT", "HOST", "Service", "article_list", "build_server", "clause_record", "serve"]
