"""The evaluation runner: report, table, plot, and the --output round trip through TreatyQA."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from eval.gold import GoldQuestion, load_gold
from eval.metrics import compute_metrics, latency_summary
from eval.plot import plot_recall_curves
from eval.run import SystemRun, build_report, format_report, format_system

ROOT = Path(__file__).resolve().parents[1]

GOLD = [
    GoldQuestion("k1", "kk", "Сұрау салуда не көрсетіледі?", None, ((5, 3),)),
    GoldQuestion("k2", "kk", "Виза керек пе?", None, ()),
    GoldQuestion("r1", "ru", "Какой язык используется?", None, ((10, None),)),
    GoldQuestion("r2", "ru", "Кто несёт расходы?", None, ((12, None), (7, 6))),
]


def result(qid, lang, abstained, ranked, latency):
    return {"id": qid, "lang": lang, "abstained": abstained, "latency_ms": latency,
            "ranked": [{"article": a, "paragraph": p} for a, p in ranked]}


def runs():
    hybrid = SystemRun("hybrid", [
        result("k1", "kk", False, [(5, 3), (5, 2)], 10.0),
        result("k2", "kk", True, [(4, None)], 12.0),
        result("r1", "ru", False, [(15, 1), (10, None)], 20.0),
        result("r2", "ru", False, [(7, 6)], 30.0),
    ])
    lexical = SystemRun("lexical", [
        result("k1", "kk", False, [(5, 2), (1, None), (5, 3)], 1.0),
        result("k2", "kk", False, [(4, None)], 2.0),
        result("r1", "ru", False, [(3, 1)], 3.0),
        result("r2", "ru", False, [(1, None)], 4.0),
    ])
    return [hybrid, lexical]


def test_report_has_the_required_shape_and_recomputes_exactly():
    report = build_report(GOLD, runs(), k=10, sources=["gold.jsonl"])
    assert report["system"] == "hybrid"
    assert set(report["metrics"]) == {"kk", "ru", "all"}
    for q in report["questions"]:
        assert set(q) >= {"id", "lang", "abstained", "ranked"}
        assert all(set(c) == {"article", "paragraph"} for c in q["ranked"])
    assert [q["first_match_rank"] for q in report["questions"]] == [1, None, 2, 1]
    # through JSON and back: the same numbers
    again = json.loads(json.dumps(report))
    assert compute_metrics(GOLD, again["questions"], again["k"]) == report["metrics"]
    lexical = again["systems"]["lexical"]
    assert compute_metrics(GOLD, lexical["questions"], 10) == report["systems"]["lexical"]["metrics"]
    assert report["metrics"]["all"]["recall@1"] == pytest.approx(2 / 3)
    assert report["latency_ms"]["hybrid"] == latency_summary([10.0, 12.0, 20.0, 30.0])


def test_table_has_a_block_per_system_with_rows_per_language():
    report = build_report(GOLD, runs(), k=10, sources=["gold.jsonl"])
    text = format_report(report)
    assert "4 gold questions (kk 2, ru 2; 1 unanswerable)" in text
    hybrid = format_system("hybrid", report["metrics"], report["latency_ms"]["hybrid"], 10, report["systems"]["hybrid"]["intervals"])
    assert hybrid in text
    lines = hybrid.splitlines()
    assert lines[0].startswith("hybrid (full pipeline)") and "p50 16.0 ms" in lines[0]
    assert lines[1].split() == ["lang", "n", "ans", "R@1", "R@3", "R@5", "R@10", "MRR@10", "nDCG@5", "Acc@1", "AbstP", "AbstR"]
    assert lines[3].split() == ["kk", "2", "1", "1.000", "1.000", "1.000", "1.000", "1.000", "1.000", "1.000", "1.000", "1.000"]
    # one answerable kk question: no interval, shown as "-"; ru's R@1 is 0.5 over two questions
    assert lines[4].split()[0] == "95%" and set(lines[4].split()[1:]) == {"-"}
    assert lines[6].split()[:2] == ["95%", "0.00–1.00"]
    assert lines[7].split()[:4] == ["all", "4", "3", "0.667"]
    # lexical never abstained: precision is n/a, not a crash or 0
    assert "lexical (lexical retrieval only)" in text
    lex_all = [ln for ln in text.splitlines() if ln.startswith("all")][-1].split()
    assert lex_all[-2:] == ["n/a", "0.000"]
    # without intervals the block is the old one
    plain = format_system("hybrid", report["metrics"], report["latency_ms"]["hybrid"], 10).splitlines()
    assert plain[3].split() == lines[3].split() and plain[4].split()[0] == "ru"


def test_table_has_the_significance_line_and_the_breakdowns():
    report = build_report(GOLD, runs(), k=10, sources=["gold.jsonl"])
    text = format_report(report)
    (line,) = [ln for ln in text.splitlines() if ln.strip().startswith("lexical  n")]
    assert line.split()[:5] == ["lexical", "n", "3", "R@1", "-0.667"]
    assert "p=0.500" in line  # three answerable pairs: the exact test over 2^3 sign flips
    assert "By question style" in text and "By cited article" in text
    articles = [ln.split()[0] for ln in text.split("By cited article")[1].splitlines()[3:] if ln.strip()]
    assert articles == ["5", "7", "10", "12"]
    assert report["significance"]["lexical"]["recall@1"]["n"] == 3
    assert report["systems"]["hybrid"]["breakdowns"]["style"]["(none)"]["questions"] == 4
    again = build_report(GOLD, runs(), k=10, sources=["gold.jsonl"])
    assert again["systems"] == report["systems"] and format_report(again) == text  # seeded: the same every time


def test_records_carry_the_gold_for_later_comparison():
    report = build_report(GOLD, runs(), k=10)
    first = report["questions"][0]
    assert first["question"] == GOLD[0].question and first["citations"] == [{"article": 5, "paragraph": 3}]
    assert first["style"] is None


def test_plot_writes_a_png(tmp_path):
    curves = {"hybrid": {"kk": [0.5, 0.8, 1.0], "ru": [0.2, 0.4, 0.6], "all": [0.35, 0.6, 0.8]},
              "lexical": {"kk": [0.6, 0.7, 0.7], "ru": [None, None, None], "all": [0.3, 0.35, 0.35]}}
    path = plot_recall_curves(curves, tmp_path / "recall.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_output_folder_must_exist_before_anything_runs(tmp_path):
    gold = tmp_path / "g.jsonl"
    gold.write_text(json.dumps({"id": "a", "lang": "kk", "question": "Сұрау?", "citations": []}) + "\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "eval.run", "--gold", str(gold), "--output", str(tmp_path / "no" / "out.json")],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    assert proc.returncode == 2 and "does not exist" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.slow
def test_output_round_trip_through_treatyqa(tmp_path, data_copy):
    """Four questions through the real API: metrics recomputed from out.json equal the printed table."""
    gold_path = tmp_path / "mine.jsonl"
    records = [
        {"id": "k-req", "lang": "kk", "question": "Көмек көрсету туралы сұрау салуда не көрсетілуге тиіс?",
         "citations": [{"article": 5, "paragraph": 3}]},
        {"id": "r-lang", "lang": "ru", "question": "На каком языке ведётся сотрудничество?",
         "citations": [{"article": 10, "paragraph": None}]},
        {"id": "r-none", "lang": "ru", "question": "Сколько стоит виза в Россию?", "citations": []},
        {"id": "k-cost", "lang": "kk", "question": "Шығыстарды кім көтереді?",
         "citations": [{"article": 12, "paragraph": None}, {"article": 7, "paragraph": None}]},
    ]
    gold_path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "out.json"
    plot = tmp_path / "recall.png"
    files = {"--report": tmp_path / "failures.html", "--trec-run": tmp_path / "run.txt", "--trec-qrels": tmp_path / "qrels.txt"}
    env = {**os.environ, "TREATYQA_DATA_DIR": str(data_copy)}
    proc = subprocess.run(
        [sys.executable, "-m", "eval.run", "--gold", str(gold_path), "--output", str(out), "--plot", str(plot), "--k", "5",
         *(str(x) for pair in files.items() for x in pair)],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=1800,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    for name in ("hybrid", "dense", "lexical"):  # not a terminal: progress lines with the running R@1
        assert re.search(rf"^{name}: 4/4 questions, R@1 [01]\.\d{{3}}, \d+ s, ETA 0 s$", proc.stderr, re.M), proc.stderr
    assert "Paired randomisation test, baseline minus hybrid" in proc.stdout and "By cited article" in proc.stdout
    report = json.loads(out.read_text(encoding="utf-8"))
    assert [q["id"] for q in report["questions"]] == [r["id"] for r in records]
    for q in report["questions"]:
        assert q["lang"] in ("kk", "ru") and isinstance(q["abstained"], bool)
        assert len(q["ranked"]) >= 5  # at least --k clauses, also when the question abstained
        keys = [(c["article"], c["paragraph"]) for c in q["ranked"]]
        assert len(keys) == len(set(keys))
    gold = load_gold([gold_path])
    for name in ("hybrid", "dense", "lexical"):
        system = report["systems"][name]
        recomputed = compute_metrics(gold, system["questions"], report["k"])
        assert recomputed == system["metrics"]
        assert format_system(name, recomputed, system["latency_ms"], report["k"], system["intervals"]) in proc.stdout
    assert compute_metrics(gold, report["questions"], report["k"]) == report["metrics"]
    assert plot.read_bytes()[:4] == b"\x89PNG"
    # the features the abstention rule judged by: its score decides exactly when hybrid abstains
    for q in report["systems"]["hybrid"]["questions"]:
        assert set(q["abstention"]) == {"offtopic_gap", "unknown_share", "score"}
        assert (q["abstention"]["score"] > 0) == q["abstained"]
    assert all(q["abstention"] is None for q in report["systems"]["lexical"]["questions"])
    # the TREC files give the printed figures through an independent library
    import ir_measures
    from ir_measures import RR, Success, nDCG

    theirs = ir_measures.calc_aggregate(
        [Success @ 1, Success @ 3, RR @ 5, nDCG @ 5],
        list(ir_measures.read_trec_qrels(str(files["--trec-qrels"]))),
        list(ir_measures.read_trec_run(str(files["--trec-run"]))),
    )
    ours = report["metrics"]["all"]
    assert theirs[Success @ 1] == pytest.approx(ours["recall@1"]) and theirs[Success @ 3] == pytest.approx(ours["recall@3"])
    assert theirs[RR @ 5] == pytest.approx(ours["mrr@5"]) and theirs[nDCG @ 5] == pytest.approx(ours["ndcg@5"])
    page = files["--report"].read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Сколько стоит виза в Россию?" in page
