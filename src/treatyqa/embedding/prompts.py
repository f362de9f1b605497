"""The prompts a model wants before queries and passages (e5 breaks without them)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ModelPrompts:
    query: str = ""
    passage: str = ""


E5_PROMPTS = ModelPrompts("query: ", "passage: ")


def model_prompts(model: str) -> ModelPrompts:
    """Read the prompts from a sentence-transformers folder; e5 ids get e5's; others none."""
    config = Path(model) / "config_sentence_transformers.json"
    if config.is_file():
        prompts = json.loads(config.read_text(encoding="utf-8")).get("prompts") or {}
        return ModelPrompts(prompts.get("query", ""), prompts.get("passage", prompts.get("document", "")))
    if "e5" in model.lower():
        return E5_PROMPTS
    return ModelPrompts()
