"""The serving path is light: a question answered from the command line loads no torch,
transformers or sentence-transformers (they are for building the index only)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "transformers", "sentence_transformers")

# Runs the real `python -m treatyqa ask`, then reports which heavy modules it loaded.
PROBE = """
import json, runpy, sys
sys.argv = ["treatyqa", "ask", "--json", QUESTION]
try:
    runpy.run_module("treatyqa", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "loaded": [m for m in HEAVY if m in sys.modules]}))
"""


def _env(data_dir: Path) -> dict[str, str]:
    path = os.pathsep.join([str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "PYTHONPATH": path, "TREATYQA_DATA_DIR": str(data_dir)}


@pytest.mark.slow
@pytest.mark.parametrize("question", ["Что должен содержать запрос о содействии?", "Шығыстарды кім көтереді?"])
def test_cli_answer_loads_no_torch(data_copy: Path, question: str) -> None:
    code = f"QUESTION = {question!r}\nHEAVY = {HEAVY!r}\n" + PROBE
    run = subprocess.run([sys.executable, "-c", code], env=_env(data_copy), capture_output=True, text=True, timeout=300)
    lines = run.stdout.strip().splitlines()
    assert run.returncode == 0, run.stderr
    answer, probe = json.loads(lines[-2]), json.loads(lines[-1])
    assert probe["code"] == 0, run.stderr
    assert answer["hits"] and not answer.get("error")
    assert probe["loaded"] == [], f"the CLI loaded {probe['loaded']}"
