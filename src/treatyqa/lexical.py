"""Language-aware lexical terms and BM25 weights for the sparse side of retrieval.

Kazakh is agglutinative: a whitespace tokenizer misses inflected forms, so Kazakh words
are cut to a 4-letter prefix stem. Russian words give two terms: the Snowball Russian stem
and a 5-letter prefix (Snowball keeps `стажировок` apart from `стажировку`). Both choices
were measured on the development gold set (README, "Evaluation"). Terms are hashed into the uint32
index space that Qdrant's sparse vectors use, so no vocabulary has to be stored.
"""

from __future__ import annotations

import math
import threading
import re
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import snowballstemmer

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
KK_PREFIX = 4
KK_LONG_PREFIX = 6  # a second, longer Kazakh term: күшіне (enters into force) is not күшін (its force)
RU_PREFIX = 5

# Function words that carry no clause-specific meaning (question words included, so that
# the wording of a question does not decide which clause it lands on).
STOPWORDS = {
    "kk": set(
        "және мен бен пен да де та те ма ме ба бе па пе не немесе осы сол бұл ол олар оның "
        "үшін туралы бойынша қандай қалай кім қашан қайда неге неше қай ме екен бар жоқ "
        "болса болады керек тиіс мүмкін ба егер онда әрі ғана"
        .split()
    ),
    "ru": set(
        "и в во на по с со о об от до из за к ко а но или ли же бы не ни что как какой какие "
        "каких какая каком кто когда где куда зачем почему сколько можно ли нужно должен "
        "должна должны это этот эта эти тот та те для при без через у мы вы они он она оно "
        "наш нам нас их его ее есть быть был была если то также"
        .split()
    ),
}


_local = threading.local()


def _russian_stemmer() -> snowballstemmer.stemmer:
    """One stemmer per thread: a Snowball stemmer keeps its word in the instance, and the
    web server answers on several threads at once."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("russian")
    return stemmer


def russian_stem(word: str) -> str:
    return _russian_stemmer().stemWord(word)


def content_words(text: str, lang: str) -> list[str]:
    stop = STOPWORDS.get(lang, STOPWORDS["ru"])
    return [w for w in _WORD.findall(text.lower().replace("ё", "е")) if w not in stop]


def stem_words(words: list[str], lang: str) -> list[str]:
    if lang == "kk":
        return [w[:KK_PREFIX] for w in words]
    return _russian_stemmer().stemWords(words)


def stems(text: str, lang: str) -> list[str]:
    """One stem per content word: the Kazakh prefix or the Russian Snowball stem."""
    return stem_words(content_words(text, lang), lang)


def terms(text: str, lang: str) -> list[str]:
    """Stemmed content terms of ``text`` in ``lang`` (``kk`` or ``ru``; other codes: ``ru`` rules)."""
    words = content_words(text, lang)
    if lang == "kk":
        return stem_words(words, lang) + ["^" + w[:KK_LONG_PREFIX] for w in words if len(w) > KK_PREFIX]
    return stem_words(words, lang) + ["^" + w[:RU_PREFIX] for w in words]


def term_index(term: str) -> int:
    return zlib.crc32(term.encode("utf-8"))


@dataclass(frozen=True)
class SparseVector:
    indices: list[int]
    values: list[float]


def query_vector(text: str, lang: str | Sequence[str]) -> SparseVector:
    """One unit per distinct query term: the dot product with a document is its BM25 score.
    Several languages (a mixed question): the union of each language's terms."""
    langs = [lang] if isinstance(lang, str) else list(lang)
    counts = Counter(term_index(t) for code in langs for t in terms(text, code))
    indices = sorted(counts)
    return SparseVector(indices, [1.0] * len(indices))


@dataclass(frozen=True)
class BM25:
    """BM25 document weights fitted on one language's documents."""

    doc_freq: dict[str, int]
    n_docs: int
    avg_len: float
    k1: float = 1.2
    b: float = 0.75

    @classmethod
    def fit(cls, docs: Iterable[Sequence[str]]) -> BM25:
        doc_freq: Counter[str] = Counter()
        n_docs = 0
        total = 0
        for doc in docs:
            n_docs += 1
            total += len(doc)
            doc_freq.update(set(doc))
        return cls(dict(doc_freq), n_docs, total / max(n_docs, 1))

    def idf(self, term: str) -> float:
        df = self.doc_freq.get(term, 0)
        return math.log(1 + (self.n_docs - df + 0.5) / (df + 0.5))

    def vector(self, doc_terms: Sequence[str]) -> SparseVector:
        counts = Counter(doc_terms)
        norm = self.k1 * (1 - self.b + self.b * len(doc_terms) / self.avg_len)
        weights: dict[int, float] = {}
        for term, tf in counts.items():
            idx = term_index(term)
            # crc32 collisions between two terms of one document just add up
            weights[idx] = weights.get(idx, 0.0) + self.idf(term) * tf * (self.k1 + 1) / (tf + norm)
        indices = sorted(weights)
        return SparseVector(indices, [weights[i] for i in indices])
