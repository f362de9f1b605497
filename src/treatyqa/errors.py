"""Errors a user can meet, each with a plain message in Kazakh, Russian and English."""

from __future__ import annotations


class TreatyQAError(Exception):
    """Base error; ``message(lang)`` gives the sentence to show the user in their language."""

    def __init__(self, en: str, kk: str, ru: str):
        super().__init__(en)
        self.messages = {"en": en, "kk": kk, "ru": ru}

    def message(self, lang: str) -> str:
        return self.messages.get(lang, self.messages["en"])


class InvalidQuestion(TreatyQAError):
    """Empty, too long, or not a question in a language we can answer."""


class IndexUnavailable(TreatyQAError):
    """The index is missing, stale, unreachable or held by another process."""


class IndexLocked(IndexUnavailable):
    """Another process holds the embedded Qdrant store."""


class IndexDamaged(IndexUnavailable):
    """A file of the embedded index cannot be read; ``python -m indexing --rebuild`` sets it aside.

    ``damage`` (a :class:`treatyqa.store.Damage`) names the file.
    """

    damage = None


class DiskFull(IndexUnavailable):
    """The data disk filled up while the index was written; what was written has been removed."""
