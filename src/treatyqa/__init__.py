"""TreatyQA: cited answers from the 2008 Sochi cooperation agreement, in Kazakh and Russian."""

from treatyqa import offline as _offline  # noqa: F401  (must run before any ML/web import)
from treatyqa.torchless import haystack_without_torch

haystack_without_torch()  # before any haystack import: a serving process never loads torch

# ruff: noqa: E402
from treatyqa.domain import Answer, Citation, Hit
from treatyqa.errors import IndexLocked, IndexUnavailable, InvalidQuestion, TreatyQAError
from treatyqa.settings import Settings

__all__ = [
    "Answer",
    "Citation",
    "Hit",
    "IndexLocked",
    "IndexUnavailable",
    "InvalidQuestion",
    "Settings",
    "TreatyQA",
    "TreatyQAError",
]


def __getattr__(name: str):
    # TreatyQA pulls in haystack and qdrant; import it only when asked for.
    if name == "TreatyQA":
        from treatyqa.api import TreatyQA

        return TreatyQA
    raise AttributeError(name)
