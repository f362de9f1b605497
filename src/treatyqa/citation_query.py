"""Citations typed into the search box: ``статья 8 пункт 3``, ``ст. 8 п. 3``, ``п. 3 ст. 8``,
``8.3``, ``5-бап 3-тармақ``, ``7-баптың 2-тармағы``, ``Статья 10``, ``преамбула``,
``кіріспе``, and the same typed on a Russian keyboard or in Latin script.

Matching runs on the folded text (``treatyqa.script.fold``), so ``тармак`` and ``тармақ``
are one word; Latin forms (``5-bap 3-tarmaq``, ``statya 5``) are matched as typed.

>>> parse_citations("Статья 8, пункт 3")
(Citation(article=8, paragraph=3, item=None),)
>>> parse_citations("п. 2 ст. 7 о чем")
(Citation(article=7, paragraph=2, item=None),)
>>> parse_citations("5-бап 3-тармақ")
(Citation(article=5, paragraph=3, item=None),)
>>> parse_citations("кириспе")
(Citation(article=0, paragraph=None, item=None),)
>>> parse_citations("Кто несет расходы по статье?")
()
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from treatyqa.domain import Citation
from treatyqa.script import fold

_N = r"(\d{1,2})"
_SEP = r"[\s,.\-–—:;]*"
# Russian: статья / статьи / статье / статью / ст. ; пункт / п. / часть / ч.
_ARTICLE_RU = r"(?:стат[а-я]*|ст|statya|stat[a-z]*|st)"
_PARA_RU = r"(?:пункт[а-я]*|п|част[а-я]*|ч|punkt[a-z]*|p)"
# Kazakh (folded): бап / бабы / бабинин / баптын ; тармак / тармагы / тармагинда
_ARTICLE_KK = r"(?:бап[а-я]*|баб[а-я]*|bap[a-z]*|bab[a-z]*)"
_PARA_KK = r"(?:тармак[а-я]*|тармаг[а-я]*|tarmaq[a-z]*|tarmak[a-z]*|tarmag[a-z]*)"
_B = r"(?<![\w.])"  # a number or word starts here
_E = r"(?![\w])"

PATTERNS = [
    # статья 8 пункт 3 / ст.8 п.3
    re.compile(_B + _ARTICLE_RU + _SEP + _N + _SEP + _PARA_RU + _SEP + _N + _E),
    # пункт 3 статьи 8 / п. 3 ст. 8 (paragraph first: groups swapped below)
    re.compile(_B + _PARA_RU + _SEP + _N + _SEP + _ARTICLE_RU + _SEP + _N + _E),
    # 5-бап 3-тармақ / 7-баптың 2-тармағы
    re.compile(_B + _N + _SEP + _ARTICLE_KK + _SEP + _N + _SEP + _PARA_KK),
    # 8.3 (not a date: no third number, not inside a longer number)
    re.compile(r"(?<![\w.,])" + _N + r"\.(\d{1,2})(?![\w]|[.,]\d)"),
    # статья 10 / ст. 10
    re.compile(_B + _ARTICLE_RU + _SEP + _N + _E),
    # 10-бап / 10 бап
    re.compile(_B + _N + _SEP + _ARTICLE_KK + _E),
    # 10-я статья
    re.compile(_B + _N + r"(?:-?[а-я]{1,2})?\s+" + _ARTICLE_RU + _E),
]
LOOKUP_WORDS = 5  # "статья 14, о чём речь" is a look-up; a longer question is not
PARAGRAPH_FIRST = {1}
BARE_NUMBER = 3  # "2.5" may be a quantity: it counts only where that clause exists
ARTICLE_ONLY = {4, 5, 6}
PREAMBLE = re.compile(r"(?<!\w)(?:преамбул[а-я]*|кириспе[а-я]*|kirispe[a-z]*|preambul[a-z]*)(?!\w)")


def parse_citations(text: str) -> tuple[Citation, ...]:
    """Every citation typed in ``text``, in order, without duplicates. Numbers are not
    checked against the agreement here: :func:`lookup` does that."""
    return tuple(dict.fromkeys(c for c, _, _ in _parse(text)))


@dataclass(frozen=True)
class LookUp:
    """What a question cites: ``cited``, the agreement's clauses it names, in the order typed;
    ``missing``, the citations it names that the agreement lacks (``Статья 16``, ``15.4``);
    ``bare``, whether the question is nothing but citations."""

    cited: tuple[Citation, ...] = ()
    missing: tuple[Citation, ...] = ()
    bare: bool = False


def lookup(text: str, clauses: Iterable[Citation]) -> LookUp:
    """The citations typed in ``text``, checked against the agreement's ``clauses``: the
    clause itself, or every clause of the article when only the article is typed (or its
    paragraph does not exist, which is then ``missing`` too); an article the agreement lacks
    is ``missing`` and cites nothing. A bare ``N.M`` counts where clause N.M exists, or when
    it is typed alone (``15.4``); otherwise it may be a quantity. A citation inside a question
    of more than a few other words is context, not a look-up (``8-бапты басқаша түсініп…``).

    >>> found = lookup("ст. 9 п. 2; 5.3; 2.5 литра; ст. 16", [Citation(5, 3), Citation(9), Citation(2, 1)])
    >>> [c.key() for c in found.cited], [c.key() for c in found.missing], found.bare
    (['9', '5.3'], ['9.2', '16'], False)
    >>> lookup("15.4", [Citation(15, 1)]).missing, lookup("15.4", [Citation(15, 1)]).bare
    ((Citation(article=15, paragraph=4, item=None),), True)
    """
    known = list(clauses)
    articles = {c.article for c in known}
    parsed = _parse(text)
    rest = fold(text)
    for start, end in sorted((span for _, _, span in parsed), reverse=True):
        rest = rest[:start] + " " + rest[end:]
    words = len(re.findall(r"[^\W\d_]+", rest))
    if words > LOOKUP_WORDS:
        return LookUp()
    alone = len(parsed) == 1 and not re.search(r"[^\W_]", rest)
    cited: list[Citation] = []
    missing: list[Citation] = []
    for citation, bare_number, _ in parsed:
        if citation.paragraph is not None and citation in known:
            cited.append(citation)
        elif bare_number and not alone:
            continue  # "2.5 литра": a quantity, not a clause
        elif citation.article not in articles:
            missing.append(citation)
        else:
            if citation.paragraph is not None:  # the article exists, its paragraph does not
                missing.append(citation)
            cited.extend(c for c in known if c.article == citation.article)
    return LookUp(tuple(dict.fromkeys(cited)), tuple(dict.fromkeys(missing)), bare=bool(parsed) and words == 0)


def _parse(text: str) -> list[tuple[Citation, bool, tuple[int, int]]]:
    """(citation, typed as a bare number, its span in the folded text), in order."""
    folded = fold(text)
    found: list[tuple[Citation, bool, tuple[int, int]]] = []
    taken: list[tuple[int, int]] = []
    for index, pattern in enumerate(PATTERNS):
        for match in pattern.finditer(folded):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue  # part of a fuller citation already read
            numbers = [int(g) for g in match.groups()]
            if index in ARTICLE_ONLY:
                citation = Citation(numbers[0])
            elif index in PARAGRAPH_FIRST:
                citation = Citation(numbers[1], numbers[0])
            else:
                citation = Citation(numbers[0], numbers[1])
            taken.append(match.span())
            found.append((citation, index == BARE_NUMBER, match.span()))
    for match in PREAMBLE.finditer(folded):
        found.append((Citation(0), False, match.span()))
    return sorted(found, key=lambda entry: entry[2])
