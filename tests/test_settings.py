"""Settings: environment first, explicit overrides on top, None keeps the environment's value."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from treatyqa.settings import Settings, SettingsError


def test_overrides_win_and_none_keeps_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("TREATYQA_PORT", "9001")
    monkeypatch.setenv("TREATYQA_DATA_DIR", str(tmp_path / "env"))
    assert Settings.from_env().port == 9001
    assert Settings.from_env(port=None, host=None).port == 9001
    assert Settings.from_env(port=None).host == "127.0.0.1"
    assert Settings.from_env(port=7000).port == 7000
    assert Settings.from_env(data_dir=None).data_dir == tmp_path / "env"
    assert Settings.from_env(data_dir=str(tmp_path / "cli")).data_dir == Path(tmp_path / "cli")


def test_every_setting_has_its_variable_and_an_empty_one_is_unset(monkeypatch, tmp_path):
    monkeypatch.setenv("TREATYQA_CORPUS_DIR", str(tmp_path / "corpus"))
    monkeypatch.setenv("TREATYQA_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("TREATYQA_MAX_QUESTION_CHARS", "200")
    monkeypatch.setenv("QDRANT_URL", "http://qdrant.internal:6333")
    monkeypatch.setenv("TREATYQA_HOST", "")
    settings = Settings.from_env()
    assert settings.corpus_dir == tmp_path / "corpus" and settings.log_level == "debug"
    assert settings.max_question_chars == 200 and settings.qdrant_url == "http://qdrant.internal:6333"
    assert settings.host == "127.0.0.1"


@pytest.mark.parametrize(
    "variable, value, en, ru",
    [
        ("TREATYQA_PORT", "x", "a whole number from 0 to 65535", "целое число от 0 до 65535"),
        ("TREATYQA_PORT", "70000", "a whole number from 0 to 65535", "целое число от 0 до 65535"),
        ("TREATYQA_LOG_LEVEL", "loud", "one of debug, info", "одно из значений debug"),
    ],
)
def test_a_bad_value_is_one_sentence_naming_the_variable(monkeypatch, variable, value, en, ru):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        Settings.from_env()
    assert caught.value.message("en").startswith(f"The setting {variable}={value!r} is not valid: {en}")
    assert variable in caught.value.message("kk") and ru in caught.value.message("ru")


@pytest.mark.parametrize("entry", [["app.py"], ["-m", "indexing"], ["-m", "eval.run", "--split", "dev"]])
def test_entry_points_refuse_a_bad_setting_in_one_line_with_exit_2(entry, tmp_path):
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "TREATYQA_PORT": "x", "TREATYQA_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, *entry], cwd=root, env=env, capture_output=True, text=True, timeout=120)
    said = (done.stdout + done.stderr).strip()
    assert done.returncode == 2, said
    assert "TREATYQA_PORT='x'" in said and "Traceback" not in said
