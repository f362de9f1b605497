"""Settings: environment first, explicit overrides on top, None keeps the environment's value."""

from pathlib import Path

from treatyqa.settings import Settings


def test_overrides_win_and_none_keeps_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("TREATYQA_PORT", "9001")
    monkeypatch.setenv("TREATYQA_DATA_DIR", str(tmp_path / "env"))
    assert Settings.from_env().port == 9001
    assert Settings.from_env(port=None, host=None).port == 9001
    assert Settings.from_env(port=None).host == "127.0.0.1"
    assert Settings.from_env(port=7000).port == 7000
    assert Settings.from_env(data_dir=None).data_dir == tmp_path / "env"
    assert Settings.from_env(data_dir=str(tmp_path / "cli")).data_dir == Path(tmp_path / "cli")
