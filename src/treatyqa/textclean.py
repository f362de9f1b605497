"""Pure functions that undo what PDF extraction did to the published text."""

from __future__ import annotations

import re

_GAP = re.compile(r" {2,}")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?)])")
_SPACE_AFTER_OPEN = re.compile(r"\(\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ0-9«(])")
# Kazakh has no one-letter words, so a lone lowercase letter inside a word group is a
# fragment of a partly letter-spaced word (`өтк і зу` -> `өткізу`). Russian has real ones.
_KK_FRAGMENT = re.compile(r"^[а-яёәғқңөұүһі]$")


def _is_spaced_group(tokens: list[str]) -> bool:
    return len(tokens) > 1 and all(len(tok) == 1 for tok in tokens)


def despace(line: str, lang: str) -> str:
    """Join letter-spaced words: letters are one space apart, words two or more.

    >>> despace("д а м ы т у ғ а  м а ң ы з д ы", "kk")
    'дамытуға маңызды'
    """
    words: list[str] = []
    for group in _GAP.split(line.strip()):
        tokens = group.split(" ")
        if _is_spaced_group(tokens):
            words.append("".join(tokens))
            continue
        if lang == "kk":
            merged: list[str] = []
            glue_next = False
            for tok in tokens:
                if _KK_FRAGMENT.match(tok) and merged:
                    merged[-1] += tok
                    glue_next = True
                elif glue_next:
                    merged[-1] += tok
                    glue_next = False
                else:
                    merged.append(tok)
            tokens = merged
        words.append(" ".join(tokens))
    return " ".join(w for w in words if w)


def fix_punctuation(text: str) -> str:
    """Remove the spaces extraction put before punctuation and after opening brackets."""
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    return _SPACE_AFTER_OPEN.sub("(", text)


def clean_line(line: str, lang: str) -> str:
    return fix_punctuation(despace(line, lang))


def split_sentences(text: str) -> list[str]:
    """Split a line into sentences at a full stop followed by a capital or a digit."""
    return [part for part in _SENTENCE_END.split(text.strip()) if part]


def letter_spaced_residue(text: str) -> list[str]:
    """Runs of four or more single letters separated by spaces (what a repair missed)."""
    return re.findall(r"(?:(?<!\S)\w ){3,}\w(?!\S)", text)
