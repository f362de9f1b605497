"""The evaluation runner: report, table, plot, and the --output round trip through TreatyQA."""

from __future__ import annotations

import json
import os
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
    hybrid = format_system("hybrid", report["metrics"], report["latency_ms"]["hybrid"], 10)
    assert hybrid in text
    lines = hybrid.splitlines()
    assert lines[0].startswith("hybrid (full pipeline)") and "p50 16.0 ms" in lines[0]
    assert lines[1].split() == ["lang", "n", "ans", "R@1", "R@3", "R@5", "R@10", "MRR@10", "nDCG@5", "Acc@1", "AbstP", "AbstR"]
    assert lines[3].split() == ["kk", "2", "1", "1.000", "1.000", "1.000", "1.000", "1.000", "1.000", "1.000", "1.000", "1.000"]
    assert lines[5].split()[:4] == ["all", "4", "3", "0.667"]
    # lexical never abstained: precision is n/a, not a crash or 0
    assert "lexical (lexical retrieval only)" in text
    lex_all = [ln for ln in text.splitlines() if ln.startswith("all")][-1].split()
    assert lex_all[-2:] == ["n/a", "0.000"]


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
def test_output_round_trip_through_treatyqa(tmp_path):
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
    env = {**os.environ, "TREATYQA_DATA_DIR": str(tmp_path / "data")}
    proc = subprocess.run(
        [sys.executable, "-m", "eval.run", "--gold", str(gold_path), "--output", str(out), "--plot", str(plot), "--k", "5"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=1800,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
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
        assert format_system(name, recomputed, system["latency_ms"], report["k"]) in proc.stdout
    assert compute_metrics(gold, report["questions"], report["k"]) == report["metrics"]
    assert plot.read_bytes()[:4] == b"\x89PNG"
