"""Whether a word is a word of Russian: OpenCorpora's dictionary, through pymorphy3.

The agreement's vocabulary is small, so a correctly spelt Russian word it does not use
(``зарплата``, ``положена``) lies one or two edits from one it does (``положения``).
Correcting such a word as a typo would make an off-topic question look on-topic and send
a paraphrase to the wrong clause; a dictionary word is therefore left as typed.

>>> is_russian_word("зарплата"), is_russian_word("Положена"), is_russian_word("расхды")
(True, True, False)
>>> "нести" in russian_lemmas("несет") and "нести" in russian_lemmas("несут")
True
>>> is_russian_word("тармақ"), russian_lemmas("расхды")
(False, frozenset())
"""

from __future__ import annotations

import threading
from functools import lru_cache

import pymorphy3

# One analyzer for the process, used under a lock: its caches are not documented as
# thread-safe, and one per thread (about 20 MB of dictionary each) grew the server with
# every new worker thread. A look-up takes microseconds and its answers are cached below.
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _analyzer() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer(lang="ru")


@lru_cache(maxsize=65536)
def is_russian_word(word: str) -> bool:
    """True when the dictionary holds ``word`` in some form (no guessing of unknown words)."""
    with _lock:
        return _analyzer().word_is_known(word.lower().replace("ё", "е"))


@lru_cache(maxsize=65536)
def russian_lemmas(word: str) -> frozenset[str]:
    """The dictionary forms ``word`` may be a form of (несет, несут: нести); empty for a word
    the dictionary does not hold, whose guessed lemmas would be noise. Cached: a question's
    words repeat across questions, and a parse costs tens of microseconds."""
    word = word.lower().replace("ё", "е")
    if not is_russian_word(word):
        return frozenset()
    with _lock:
        parses = _analyzer().parse(word)
    return frozenset(parse.normal_form.replace("ё", "е") for parse in parses)
