"""Haystack without torch in the process until something really needs torch.

``haystack.utils.device`` (pulled in by ``haystack.core.serialization``, so by every
component) imports torch whenever it is installed: 1.8 s and hundreds of MB for a
process that only serves answers. :func:`haystack_without_torch` imports that module
while ``import torch`` is made to fail, then lets haystack import torch on first use
(``torch_import.check()``, which every torch path of the module calls), so an index
build in the same process still gets it.
"""

from __future__ import annotations

import sys
from types import ModuleType


class _TorchOnFirstUse:
    """Stands in for the module's ``LazyImport``: imports torch when haystack asks for it."""

    def __init__(self, module: ModuleType):
        self._module = module

    def check(self) -> None:
        import torch

        self._module.torch = torch


def haystack_without_torch() -> None:
    """Call before the first haystack import; a no-op once haystack or torch is loaded."""
    if "haystack.utils.device" in sys.modules or "torch" in sys.modules:
        return
    sys.modules["torch"] = None  # type: ignore[assignment]  # makes `import torch` raise ImportError
    try:
        import haystack.utils.device as device
    finally:
        if sys.modules.get("torch", False) is None:
            del sys.modules["torch"]
    device.torch_import = _TorchOnFirstUse(device)  # type: ignore[assignment]
