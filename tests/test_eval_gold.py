"""Gold files: validation errors name the file, the line and the reason; the project's set is complete."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from eval.gold import (
    GoldFileError,
    agreement_structure,
    default_gold_paths,
    load_gold,
)
from treatyqa.corpus import load_agreement

ROOT = Path(__file__).resolve().parents[1]


def line(**fields) -> str:
    record = {"id": "q1", "lang": "kk", "question": "Сұрау салуда не көрсетіледі?", "citations": [{"article": 5, "paragraph": 3}]}
    record.update(fields)
    return json.dumps({k: v for k, v in record.items() if v is not ...}, ensure_ascii=False)


def write(tmp_path: Path, *lines: str, name: str = "gold.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def errors_of(path: Path, **kwargs) -> list[str]:
    with pytest.raises(GoldFileError) as info:
        load_gold([path], **kwargs)
    return [str(e) for e in info.value.errors]


def test_structure_comes_from_the_parsed_agreement():
    structure = agreement_structure(load_agreement())
    assert sorted(structure) == list(range(16))
    assert structure[0] == {None} and structure[9] == {None}
    assert structure[5] == {1, 2, 3, 4} and structure[7] == {1, 2, 3, 4, 5, 6}


def test_a_valid_evaluator_file_loads_without_answers(tmp_path):
    path = write(
        tmp_path,
        line(id="a"),
        "",  # blank lines are skipped
        line(id="b", lang="ru", question="Что должен содержать запрос?", citations=[{"article": 9, "paragraph": None}]),
        line(id="c", citations=[]),
        line(id="d", citations=[{"article": 7}, {"article": 0, "paragraph": None}]),  # paragraph may be omitted
    )
    questions = load_gold([path])
    assert [q.id for q in questions] == ["a", "b", "c", "d"]
    assert questions[0].citations == ((5, 3),) and questions[0].answer is None
    assert questions[1].citations == ((9, None),)
    assert not questions[2].answerable
    assert questions[3].citations == ((7, None), (0, None))
    assert (questions[1].source, questions[1].line) == (str(path), 3)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"id": "x", "lang": "kk",', "not valid JSON"),
        ('["kk", "question"]', "expected a JSON object, got list"),
        (line(lang="en"), 'unknown language code "en" (expected "kk" or "ru")'),
        (line(lang="KK"), 'unknown language code "KK"'),
        (line(citations=[{"article": 16, "paragraph": None}]), "article 16 does not exist (articles are 0..15)"),
        (line(citations=[{"article": -1, "paragraph": None}]), "article -1 does not exist"),
        (line(citations=[{"article": 5, "paragraph": 7}]), "article 5 has no paragraph 7 (paragraphs 1..4)"),
        (line(citations=[{"article": 9, "paragraph": 1}]), "article 9 has no numbered paragraphs"),
        (line(citations=[{"article": 0, "paragraph": 1}]), "article 0 has no numbered paragraphs"),
        (line(citations=[{"article": "5", "paragraph": 3}]), "'article' must be an integer"),
        (line(citations=[{"article": True, "paragraph": None}]), "'article' must be an integer"),
        (line(citations=[{"article": 5, "paragraph": 1.0}]), "'paragraph' must be an integer or null"),
        (line(citations=[{"paragraph": 3}]), "citation 1 has no 'article'"),
        (line(citations=[5]), "citation 1 must be an object"),
        (line(citations={"article": 5}), "'citations' must be a list"),
        (line(citations=...), "missing field 'citations'"),
        (line(id=...), "missing field 'id'"),
        (line(id=""), "'id' must be a non-empty string"),
        (line(question="  "), "'question' must be a non-empty string"),
        (line(answer=42), "'answer' must be a string"),
        (line(citations=[{"article": 5, "paragraph": 3}, {"article": 5, "paragraph": 3}]), "citation 2 repeats article 5"),
        (line(citations=[{"article": 7, "paragraph": None}, {"article": 7, "paragraph": 2}]), "citation 2 overlaps"),
        (line(style="noisy"), 'unknown style "noisy" (expected one of plain, scenario, keyword, typo, keyboard, latin,'),
        (line(style="Plain"), 'unknown style "Plain"'),
        (line(style=3), "unknown style 3"),
        (line(style="unanswerable"), 'style "unanswerable" needs "citations": []'),
    ],
)
def test_each_kind_of_bad_line_is_rejected_with_file_line_and_reason(tmp_path, text, reason):
    path = write(tmp_path, line(id="ok"), text)
    (message,) = errors_of(path)
    assert message.startswith(f"{path}, line 2: ")
    assert reason in message


def test_style_is_optional_kept_and_written_back(tmp_path):
    path = write(
        tmp_path,
        line(id="a", style="keyboard", question="сурау салуда не корсетиледи"),
        line(id="b"),
        line(id="c", style="unanswerable", citations=[]),
        line(id="d", style=None),
    )
    questions = load_gold([path])
    assert [q.style for q in questions] == ["keyboard", None, "unanswerable", None]
    assert questions[0].to_dict()["style"] == "keyboard"
    assert "style" not in questions[1].to_dict()  # the file format stays as it was for unstyled lines
    again = write(tmp_path, *(json.dumps(q.to_dict(), ensure_ascii=False) for q in questions), name="again.jsonl")
    assert [q.to_dict() for q in load_gold([again])] == [q.to_dict() for q in questions]


def test_every_style_is_accepted(tmp_path):
    from eval.gold import STYLES

    path = write(tmp_path, *(line(id=s, style=s, citations=[] if s == "unanswerable" else [{"article": 5, "paragraph": 3}]) for s in STYLES))
    assert [q.style for q in load_gold([path])] == list(STYLES)


def test_answer_is_required_only_in_the_projects_own_set(tmp_path):
    path = write(tmp_path, line())
    assert load_gold([path])[0].answer is None
    (message,) = errors_of(path, require_answer=True)
    assert "missing field 'answer'" in message


def test_every_bad_line_is_reported_in_order_and_one_message_per_line(tmp_path):
    path = write(
        tmp_path,
        line(id="a"),
        "not json",
        line(id="b", lang="de", citations=[{"article": 99, "paragraph": None}]),  # two reasons, one message
        line(id="a"),  # duplicate id
        line(id="c"),
    )
    messages = errors_of(path)
    assert [m.split(":")[0] for m in messages] == [f"{path}, line {n}" for n in (2, 3, 4)]
    assert "unknown language code" in messages[1] and "article 99 does not exist" in messages[1]
    assert "duplicate id 'a' (first used on line 1)" in messages[2]


def test_errors_across_files_and_unreadable_files(tmp_path):
    first = write(tmp_path, line(id="a"), name="one.jsonl")
    second = write(tmp_path, line(id="a"), "{", name="two.jsonl")
    empty = write(tmp_path, "", name="empty.jsonl")
    missing = tmp_path / "missing.jsonl"
    messages = errors_of_many([first, second, empty, missing])
    assert messages[0] == f"{second}, line 1: duplicate id 'a' (first used on {first}, line 1)"
    assert messages[1].startswith(f"{second}, line 2: not valid JSON")
    assert messages[2] == f"{empty}: contains no questions"
    assert messages[3].startswith(f"{missing}: cannot be read")


def errors_of_many(paths):
    with pytest.raises(GoldFileError) as info:
        load_gold(paths)
    return [str(e) for e in info.value.errors]


def test_non_utf8_line_is_reported_not_fatal(tmp_path):
    path = tmp_path / "latin.jsonl"
    path.write_bytes(line(id="a").encode() + b"\n" + '{"id": "é"}'.encode("latin-1") + b"\n")
    (message,) = errors_of(path)
    assert message.startswith(f"{path}, line 2: not UTF-8")


def test_cli_rejects_a_bad_gold_file_with_exit_code_2_and_no_traceback(tmp_path):
    path = write(
        tmp_path,
        line(id="a"),
        "{broken",
        line(id="b", lang="en"),
        line(id="c", citations=[{"article": 16, "paragraph": None}]),
        line(id="d", citations=[{"article": 5, "paragraph": 9}]),
    )
    out = tmp_path / "out.json"
    proc = subprocess.run(
        [sys.executable, "-m", "eval.run", "--gold", str(path), "--output", str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[:4] == [
        f"error: {path}, line 2: not valid JSON (Expecting property name enclosed in double quotes at column 2)",
        f'error: {path}, line 3: unknown language code "en" (expected "kk" or "ru")',
        f"error: {path}, line 4: citation 1: article 16 does not exist (articles are 0..15)",
        f"error: {path}, line 5: citation 1: article 5 has no paragraph 9 (paragraphs 1..4)",
    ]
    assert "4 bad line(s)" in lines[4]
    assert proc.stdout == "" and not out.exists()


def test_cli_rejects_split_with_gold(tmp_path):
    path = write(tmp_path, line())
    proc = subprocess.run(
        [sys.executable, "-m", "eval.run", "--gold", str(path), "--split", "dev"],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    assert proc.returncode == 2 and "--split" in proc.stderr and "Traceback" not in proc.stderr


# --------------------------------------------------------------------------- the project's gold set

@pytest.fixture(scope="module")
def project_gold():
    return {split: load_gold(default_gold_paths(split), require_answer=True) for split in ("dev", "test")}


def test_project_gold_set_is_valid_and_split(project_gold):
    dev, test = project_gold["dev"], project_gold["test"]
    assert dev and test
    assert not {q.id for q in dev} & {q.id for q in test}
    assert len(load_gold(default_gold_paths("all"), require_answer=True)) == len(dev) + len(test)
    for split in (dev, test):
        langs = Counter(q.lang for q in split)
        assert set(langs) == {"kk", "ru"}
        for lang in ("kk", "ru"):
            assert any(not q.answerable for q in split if q.lang == lang), f"no unanswerable {lang} question"


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_project_gold_set_covers_every_article_and_numbered_paragraph(project_gold, lang):
    """Every clause (preamble, each article without numbers, each numbered paragraph) is the
    exact gold citation of at least one question in each language."""
    cited = {c for split in project_gold.values() for q in split if q.lang == lang for c in q.citations}
    clauses = {(c.article, c.paragraph) for c in load_agreement().citations()}
    missing = sorted(clauses - cited, key=lambda c: (c[0], c[1] or 0))
    assert not missing, f"{lang}: no gold question cites {missing}"
    articles = {a for a, _ in cited}
    assert articles == set(range(16))
