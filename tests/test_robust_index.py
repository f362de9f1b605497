"""A damaged, full or shared data folder, and a broken corpus folder, on the real store.

Each damage is a real file broken the way a crash or an operator breaks it; the disk-full
build runs on a real small tmpfs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest_app import start_app
from indexing.build import COMPLETE, build_index
from treatyqa.catalog import find_index, plan_index
from treatyqa.corpus import DEFAULT_CORPUS_DIR
from treatyqa.errors import DiskFull, IndexDamaged
from treatyqa.settings import Settings
from treatyqa.store import inspect_local, list_collections, make_document_store, connect_store, open_client

ROOT = Path(__file__).resolve().parents[1]


def _storage(data: Path) -> Path:
    (path,) = (data / "qdrant" / "collection").glob("*/storage.sqlite")
    return path


def _empty_meta(data: Path) -> Path:
    path = data / "qdrant" / "meta.json"
    path.write_text("")
    return path


def _garbage_meta(data: Path) -> Path:
    path = data / "qdrant" / "meta.json"
    path.write_bytes(b"\x00\x17{garbage")
    return path


def _truncated_sqlite(data: Path) -> Path:
    path = _storage(data)
    os.truncate(path, path.stat().st_size // 3)
    return path


def _overwritten_sqlite(data: Path) -> Path:
    path = _storage(data)
    path.write_bytes(os.urandom(8192))
    return path


DAMAGE = {"empty meta.json": _empty_meta, "garbage meta.json": _garbage_meta,
          "truncated storage.sqlite": _truncated_sqlite, "overwritten storage.sqlite": _overwritten_sqlite}


def _complete(settings: Settings) -> list[str]:
    client = open_client(settings)
    try:
        return [c.name for c in list_collections(client)]
    finally:
        client.close()


@pytest.mark.slow
@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_index_file_is_named_not_a_traceback(data_copy, damage):
    from treatyqa.api import TreatyQA

    broken = DAMAGE[damage](data_copy)
    settings = Settings.from_env(data_dir=data_copy)
    assert inspect_local(settings).file == broken
    with pytest.raises(IndexDamaged) as failure:
        TreatyQA(settings)
    for lang in ("en", "kk", "ru"):
        assert str(broken) in failure.value.message(lang)
        assert "python -m indexing --rebuild" in failure.value.message(lang)


@pytest.mark.slow
def test_rebuild_sets_a_damaged_meta_json_aside_and_rebuilds(data_copy):
    broken = _empty_meta(data_copy)
    result = subprocess.run(
        [sys.executable, "-m", "indexing", "--rebuild", "--data-dir", str(data_copy)],
        capture_output=True, text=True, cwd=ROOT, timeout=900,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert f"The index file {broken} was damaged (empty); it was moved to {data_copy / 'damaged'}" in result.stderr
    (aside,) = (data_copy / "damaged").iterdir()
    assert (aside / "meta.json").read_text() == ""
    settings = Settings.from_env(data_dir=data_copy)
    assert inspect_local(settings) is None
    assert _complete(settings) == [find_index(settings, plan_index(settings))]


@pytest.mark.slow
def test_app_start_repairs_a_truncated_storage_and_says_so(data_copy):
    broken = _truncated_sqlite(data_copy)
    app = start_app(data_copy)
    try:
        log = app.log()
    finally:
        app.stop()
    assert f"The index file {broken} was damaged" in log and "rebuilt" in log
    assert "Traceback" not in log
    assert not broken.exists() and (next((data_copy / "damaged").iterdir()) / broken.parent.name).is_dir()


@pytest.fixture()
def small_data_disk(tmp_path: Path):
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)  # lazy: a closed store may still be unwinding


@pytest.mark.slow
def test_build_on_a_full_disk_removes_what_it_wrote(small_data_disk: Path):
    settings = Settings.from_env(data_dir=small_data_disk / "data")
    with pytest.raises(DiskFull) as failure:
        build_index(settings)
    message = failure.value.message("en")
    assert message.count(". ") == 0 and message.endswith("again.")  # one sentence
    assert "removed what it had written" in message and str(settings.data_dir) in message
    assert list((settings.qdrant_path / "collection").iterdir()) == []
    assert json.loads((settings.qdrant_path / "meta.json").read_text())["collections"] == {}
    assert shutil.disk_usage(small_data_disk).used < 200_000  # the space is given back


@pytest.mark.slow
def test_corpora_share_a_data_folder_and_leftovers_are_cleaned(data_copy, tmp_path):
    """A second corpus folder builds beside the first without dropping it; a half-written
    collection and an orphaned folder are gone after the build."""
    settings = Settings.from_env(data_dir=data_copy)
    plan_a = plan_index(settings)
    first = find_index(settings, plan_a)

    other = tmp_path / "corpus-b"
    shutil.copytree(DEFAULT_CORPUS_DIR, other, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    settings_b = settings.model_copy(update={"corpus_dir": other})
    plan_b = plan_index(settings_b)
    assert plan_b.slot != plan_a.slot and plan_b.identity != plan_a.identity

    half = make_document_store(settings, f"{plan_b.identity.rsplit('_', 1)[0]}_c00000000_1")  # another corpus's dead build
    connect_store(settings, half, 384)
    half.close()
    orphan = settings.qdrant_path / "collection" / "treatyqa_v2_orphan"
    orphan.mkdir()
    (orphan / "storage.sqlite").write_bytes(b"")

    report = build_index(settings_b)
    assert report.built
    names = _complete(settings)
    assert sorted(names) == sorted([first, report.collection])
    assert not orphan.exists()
    client = open_client(settings)
    try:
        assert client.get_collection(report.collection).config.metadata[COMPLETE] == len(plan_b.documents)
    finally:
        client.close()

    assert find_index(settings, plan_index(settings)) == first  # the first corpus is still served


# ---------------------------------------------------------------- a broken corpus folder


@pytest.fixture()
def broken_corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(DEFAULT_CORPUS_DIR, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    text = (folder / "kk.txt").read_text(encoding="utf-8")
    (folder / "kk.txt").write_text(text.replace("\n9-бап\n", "\n8-бап\n", 1), encoding="utf-8")
    return folder


def _run(args: list[str], corpus: Path, data: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "TREATYQA_CORPUS_DIR": str(corpus), "TREATYQA_DATA_DIR": str(data)}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)


@pytest.mark.slow  # starts app.py or python -m indexing: a few seconds each
@pytest.mark.parametrize("command", [["app.py"], ["-m", "indexing"]], ids=["app", "indexing"])
def test_broken_corpus_exits_2_naming_file_and_article(broken_corpus, tmp_path, command):
    result = _run(command, broken_corpus, tmp_path / "data")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{broken_corpus / 'kk.txt'}, article 8: article number appears twice" in result.stderr


@pytest.mark.slow  # starts app.py or python -m indexing: a few seconds each
@pytest.mark.parametrize("command", [["app.py"], ["-m", "indexing"]], ids=["app", "indexing"])
def test_manifest_entry_without_status_is_a_plain_error(tmp_path, command):
    folder = tmp_path / "corpus"
    shutil.copytree(DEFAULT_CORPUS_DIR, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    del manifest["texts"]["ru"]["status"]
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = _run(command, folder, tmp_path / "data")
    assert result.returncode == 2, result.stderr
    assert "KeyError" not in result.stderr and "Traceback" not in result.stderr
    assert f"{folder / 'manifest.json'}: texts.ru has no 'status'" in result.stderr
