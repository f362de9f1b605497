"""What the entry points (app, CLI, MCP, evaluation) share: build the index if needed, then open it.

The facade (:class:`treatyqa.api.TreatyQA`) only opens an index; deciding to spend minutes
on a build is the entry point's call, so the library never depends on the indexing package.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from indexing.build import build_index
from treatyqa.api import TreatyQA
from treatyqa.catalog import plan_index, serving_snapshot
from treatyqa.settings import Settings

logger = logging.getLogger(__name__)


def open_qa(
    settings: Settings | None = None, *, progress: Callable[[str], None] | None = None, **options: Any
) -> TreatyQA:
    """A :class:`TreatyQA` over a current index, building the model cache and the index first
    when there is none (or repairing a damaged store); ``options`` go to :class:`TreatyQA`."""
    settings = settings or Settings.from_env()
    # a current snapshot is served as it is: a serving process takes no lock on the folder
    if serving_snapshot(settings, plan_index(settings)) is None:
        build_index(settings, progress=progress or logger.info)  # a no-op when a complete collection is there
    return TreatyQA(settings, progress=progress, **options)
