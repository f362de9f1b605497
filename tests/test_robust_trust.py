"""The data folder is part of the code (qdrant-client unpickles its payloads): an unsafe one
is refused at start-up with a plain message, a group-writable one warned about."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from treatyqa.errors import IndexUnavailable
from treatyqa.settings import Settings
from treatyqa.store import check_trust, open_client, trust_problems

ROOT = Path(__file__).resolve().parents[1]


def _folder(tmp_path: Path, mode: int) -> Path:
    data = tmp_path / "data"
    (data / "qdrant" / "collection" / "treatyqa_x").mkdir(parents=True)
    (data / "qdrant" / "meta.json").write_text('{"collections": {}, "aliases": {}}')
    os.chmod(data, mode)
    return data


def test_a_private_folder_has_no_problems(tmp_path):
    assert trust_problems(_folder(tmp_path, 0o700)) == ([], [])


def test_world_writable_is_refused_group_writable_warned(tmp_path, caplog):
    data = _folder(tmp_path, 0o700)
    os.chmod(data / "qdrant" / "meta.json", 0o666)
    os.chmod(data / "qdrant", 0o770)
    refusals, warnings = trust_problems(data)
    assert refusals == [f"{data / 'qdrant' / 'meta.json'} is writable by every user"]
    assert warnings == [f"{data / 'qdrant'} is writable by its group"]
    with pytest.raises(IndexUnavailable) as failure:
        check_trust(Settings(data_dir=data))
    assert "not safe to load" in failure.value.message("en") and "chmod go-w" in failure.value.message("en")
    assert "небезопасно" in failure.value.message("ru") and "қауіпті" in failure.value.message("kk")

    os.chmod(data / "qdrant" / "meta.json", 0o600)
    with caplog.at_level("WARNING"):
        check_trust(Settings(data_dir=data))
    assert "writable by its group" in caplog.text


def test_a_folder_of_another_user_is_refused(tmp_path):
    data = _folder(tmp_path, 0o700)
    if os.geteuid() == 0:
        os.chown(data / "qdrant" / "collection" / "treatyqa_x", 65534, 65534)
        refusals, _ = trust_problems(data)
    else:
        refusals, _ = trust_problems(data, uid=os.geteuid() + 1)
    assert any("belongs to user" in r for r in refusals)


def test_a_planted_symlink_is_refused(tmp_path):
    data = _folder(tmp_path, 0o700)
    elsewhere = tmp_path / "elsewhere.sqlite"
    elsewhere.write_bytes(b"")
    (data / "qdrant" / "collection" / "treatyqa_x" / "storage.sqlite").symlink_to(elsewhere)
    refusals, _ = trust_problems(data)
    assert refusals == [f"{data / 'qdrant' / 'collection' / 'treatyqa_x' / 'storage.sqlite'} is a symbolic link"]


def test_the_store_is_not_opened_from_an_unsafe_folder(tmp_path):
    data = _folder(tmp_path, 0o777)
    with pytest.raises(IndexUnavailable, match="not safe to load"):
        open_client(Settings(data_dir=data))


@pytest.mark.slow  # starts app.py or python -m indexing: a few seconds each
@pytest.mark.parametrize(("command", "code"), [(["app.py"], 2), (["-m", "indexing"], 1)], ids=["app", "indexing"])
def test_start_up_refuses_an_unsafe_folder_in_one_message(tmp_path, command, code):
    data = _folder(tmp_path, 0o777)
    env = {**os.environ, "TREATYQA_DATA_DIR": str(data)}
    result = subprocess.run([sys.executable, *command], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert result.returncode == code, result.stderr
    assert f"The data folder {data} is not safe to load ({data} is writable by every user)" in result.stderr
    assert "Traceback" not in result.stderr
