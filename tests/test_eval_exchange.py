"""What leaves eval.run for other tools and people: TREC files, the failures report, eval.compare."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from pathlib import Path

import ir_measures
import pytest
from ir_measures import RR, Success, nDCG

from eval.compare import changes, format_comparison
from eval.failures import collect, write_report
from eval.gold import GoldQuestion
from eval.metrics import compute_metrics
from eval.run import SystemRun, build_report
from eval.trec import agreement_clauses, qrels_lines, run_lines, write_lines
from test_eval_stats import synthetic
from treatyqa.corpus import load_agreement

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def agreement():
    return load_agreement()


def realistic(agreement, n=80, seed=7):
    """Synthetic runs over the real clause ids (numbered paragraphs too), and a few unanswerable."""
    import random

    rnd = random.Random(seed)
    clauses = agreement_clauses(agreement)
    gold, questions = [], []
    for i in range(n):
        cited = () if i % 9 == 0 else tuple(dict.fromkeys(rnd.sample(clauses, rnd.choice((1, 1, 1, 2)))))
        gold.append(GoldQuestion(f"q{i}", "kk" if i % 2 else "ru", f"question {i}", None, cited))
        ranked = rnd.sample(clauses, 12)
        for c in cited:
            if rnd.random() < 0.7:
                ranked.insert(rnd.randint(0, 6), c)
        ranked = list(dict.fromkeys(ranked))[:10]
        questions.append({"id": f"q{i}", "lang": gold[-1].lang, "abstained": False,
                          "ranked": [{"article": a, "paragraph": p} for a, p in ranked]})
    return gold, questions


def test_trec_files_reproduce_recall_mrr_and_ndcg_through_ir_measures(tmp_path, agreement):
    gold, questions = realistic(agreement)
    ours = compute_metrics(gold, questions, 10)["all"]
    run = write_lines(tmp_path / "run.txt", run_lines("hybrid", questions))
    qrels = write_lines(tmp_path / "qrels.txt", qrels_lines(gold, agreement_clauses(agreement)))
    measures = [Success @ 1, Success @ 3, Success @ 5, Success @ 10, RR @ 10, nDCG @ 5]
    theirs = ir_measures.calc_aggregate(
        measures, list(ir_measures.read_trec_qrels(str(qrels))), list(ir_measures.read_trec_run(str(run)))
    )
    assert theirs[Success @ 1] == pytest.approx(ours["recall@1"])
    assert theirs[Success @ 3] == pytest.approx(ours["recall@3"])
    assert theirs[Success @ 5] == pytest.approx(ours["recall@5"])
    assert theirs[Success @ 10] == pytest.approx(ours["recall@10"])
    assert theirs[RR @ 10] == pytest.approx(ours["mrr@10"])
    assert theirs[nDCG @ 5] == pytest.approx(ours["ndcg@5"])
    assert 0.1 < ours["recall@1"] < 0.9  # a run that can fail in both directions


def test_trec_lines_and_wildcard_qrels(agreement):
    clauses = agreement_clauses(agreement)
    assert (5, 3) in clauses and (9, None) in clauses and (0, None) in clauses
    gold = [GoldQuestion("q1", "ru", "?", None, ((7, None), (10, None))), GoldQuestion("q2", "kk", "?", None, ())]
    assert qrels_lines(gold, clauses) == [f"q1 0 7.{p} 1" for p in range(1, 7)] + ["q1 0 10 1"]
    lines = run_lines("lexical", [{"id": "q1", "ranked": [{"article": 7, "paragraph": 2}, {"article": 7, "paragraph": 2}]}])
    assert lines == ["q1 Q0 7.2 1 1 lexical"]  # one line per clause
    with pytest.raises(ValueError, match="white space"):
        run_lines("x", [{"id": "a b", "ranked": [{"article": 1, "paragraph": None}]}])


def failing_runs():
    gold = [
        GoldQuestion("k1", "kk", "Сұрау салуда не көрсетіледі?", None, ((5, 3),), style="plain"),
        GoldQuestion("r1", "ru", "<script>alert(1)</script> Что & как?", None, ((10, None),), style="typo"),
        GoldQuestion("r2", "ru", "Сколько стоит виза?", None, (), style="unanswerable"),
    ]
    hybrid = SystemRun("hybrid", [
        {"id": "k1", "lang": "kk", "abstained": False, "latency_ms": 1.0, "detected_lang": "kk",
         "ranked": [{"article": 5, "paragraph": 3}], "abstention": {"offtopic_gap": -0.05, "unknown_share": 0.0, "score": -2.0}},
        {"id": "r1", "lang": "ru", "abstained": True, "latency_ms": 1.0, "detected_lang": "ru",
         "ranked": [{"article": 8, "paragraph": 3}, {"article": 10, "paragraph": None}],
         "abstention": {"offtopic_gap": 0.031, "unknown_share": 0.5, "score": 0.42}},
        {"id": "r2", "lang": "ru", "abstained": False, "latency_ms": 1.0, "detected_lang": "ru",
         "ranked": [{"article": 12, "paragraph": None}], "abstention": {"offtopic_gap": -0.01, "unknown_share": 0.2, "score": -0.3}},
    ])
    lexical = SystemRun("lexical", [
        {**q, "abstained": False, "abstention": None, "ranked": [{"article": 5, "paragraph": 3}]} for q in hybrid.questions
    ])
    return gold, [hybrid, lexical]


def test_failures_report_lists_every_miss_and_wrong_abstention(tmp_path, agreement):
    gold, runs = failing_runs()
    report = build_report(gold, runs, 10)
    records = {name: s["questions"] for name, s in report["systems"].items()}
    failures = collect(gold, records, agreement)
    assert [(f.system, f.question.id, f.kinds) for f in failures] == [
        ("hybrid", "r1", ("miss", "withheld")),
        ("hybrid", "r2", ("not_withheld",)),
        ("lexical", "r1", ("miss",)),
        ("lexical", "r2", ("not_withheld",)),
    ]
    r1 = failures[0]
    assert r1.gold[0].label == "Статья 10" and r1.gold[0].text == agreement["ru"].article(10).text
    assert r1.first.label == "Статья 8, пункт 3" and r1.first.text == agreement["ru"].article(8).clauses[2].text
    assert r1.first_match_rank == 2

    page = write_report(tmp_path / "failures.html", gold, records, agreement)
    text = (tmp_path / "failures.html").read_text(encoding="utf-8")
    assert len(page) == 4
    assert "<script>" not in text and html.escape("<script>alert(1)</script> Что & как?") in text
    assert not re.search(r"""(src|href)\s*=|@import|url\(""", text)  # nothing loaded from elsewhere
    assert html.escape(r1.first.text) in text and html.escape(r1.gold[0].text) in text
    assert "offtopic gap +0.0310, unknown share 0.500, rule score +0.420" in text
    assert "no dense evidence" in text  # the lexical baseline has no abstention features

    write_report(tmp_path / "failures.md", gold, records, agreement)
    md = (tmp_path / "failures.md").read_text(encoding="utf-8")
    assert "\\<script\\>alert(1)\\</script\\> Что &amp; как?" in md
    assert "### r1 (ru, style typo; detected ru): the first clause does not answer; answerable, but the system abstained" in md
    with pytest.raises(ValueError, match=".html or .md"):
        write_report(tmp_path / "failures.txt", gold, records, agreement)


def test_compare_names_changed_questions_and_tests_the_common_ones(tmp_path):
    gold, questions = synthetic(n=40)
    better = [dict(q) for q in questions]
    for q in better[:12]:  # put the gold clause first for twelve questions
        g = next(x for x in gold if x.id == q["id"])
        if g.citations:
            a, p = g.citations[0]
            q["ranked"] = [{"article": a, "paragraph": p}] + [c for c in q["ranked"] if (c["article"], c["paragraph"]) != (a, p)]
    a = build_report(gold, [SystemRun("hybrid", questions)], 10)
    b = build_report(gold, [SystemRun("hybrid", better)], 10)
    (tmp_path / "a.json").write_text(json.dumps(a, ensure_ascii=False))
    (tmp_path / "b.json").write_text(json.dumps(b, ensure_ascii=False))
    found = changes(a["questions"], b["questions"])
    assert found and all(c.direction == 1 for c in found)
    text = format_comparison("a", "b", a["questions"], b["questions"], 10)
    assert "worse in b: 0" in text and f"better in b: {len(found)}" in text
    assert "recall@1" in text and "+0." in text
    proc = subprocess.run([sys.executable, "-m", "eval.compare", str(tmp_path / "a.json"), str(tmp_path / "b.json")],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert f"better in b: {len(found)}" in proc.stdout and found[0].id in proc.stdout
    same = subprocess.run([sys.executable, "-m", "eval.compare", str(tmp_path / "a.json"), str(tmp_path / "a.json")],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert "better in b: 0" in same.stdout and "p=1.000" in same.stdout


def test_compare_rejects_what_it_cannot_read(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"k": 10, "system": "hybrid", "questions": [{"id": "a", "lang": "kk", "abstained": False, "ranked": []}]}))
    for args, message in (([bad, old], "not valid JSON"), ([old, old], "older eval.run"),
                          ([tmp_path / "none.json", old], "cannot be read")):
        proc = subprocess.run([sys.executable, "-m", "eval.compare", *map(str, args)], capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
