"""Measure TreatyQA on gold questions, next to lexical-only and dense-only baselines.

    python -m eval.run                                  # the project's gold set (dev + test)
    python -m eval.run --split dev
    python -m eval.run --gold mine.jsonl --output out.json --plot recall.png
    python -m eval.run --report failures.html --trec-run run.txt --trec-qrels qrels.txt

Every question goes through :meth:`treatyqa.TreatyQA.ask` (the API the CLI and the web chat
use) once per system: ``hybrid`` (the full pipeline), ``dense`` and ``lexical`` over the same
index. The table gives, per language, recall@1/3/5, MRR, nDCG@5, first-citation accuracy and
abstention precision/recall, each with a 95 % bootstrap interval over questions (seeded:
a rerun prints the same), plus latency p50/p95 per system; then each baseline's difference
to the first system with a paired randomisation test, and tables per question style and per
cited article. ``--output`` writes ``{"metrics", "questions", ...}``;
:func:`eval.metrics.compute_metrics` on its ``questions`` gives back exactly the printed
metrics, and ``python -m eval.compare`` compares two such files.

Exit codes: 0 done, 1 the index or the model is unavailable, 2 bad arguments or a bad gold
file (every bad line is listed, nothing is run).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from treatyqa import offline as _offline  # noqa: F401  (before haystack, transformers, matplotlib)
from treatyqa.domain import MAX_TOP_K, MIN_TOP_K, MODES, Agreement, is_top_k

from eval.breakdown import breakdown
from eval.gold import GoldFileError, GoldQuestion, default_gold_paths, load_gold
from eval.metrics import (
    LANG_GROUPS,
    NDCG_K,
    RECALL_KS,
    compute_metrics,
    dedup,
    first_match_rank,
    latency_summary,
    per_question,
    recall_curve,
)
from eval.failures import FORMATS
from eval.stats import SEED, Bootstrap, fmt_p, paired_tests

logger = logging.getLogger("eval.run")

_DESCRIPTIONS = {"hybrid": "full pipeline", "dense": "dense retrieval only", "lexical": "lexical retrieval only"}
SYSTEMS = {mode: _DESCRIPTIONS[mode] for mode in MODES}  # one system per search mode of the API
CURVE_K = 10
WARM_UP = {"kk": "Сұрау салуда не көрсетіледі?", "ru": "Что указывается в запросе?"}


@dataclass
class SystemRun:
    """The results of one system: one record per gold question, in gold order."""

    name: str
    questions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def latencies_ms(self) -> list[float]:
        return [q["latency_ms"] for q in self.questions if q.get("latency_ms") is not None]


# --------------------------------------------------------------------------- running

def ranked_clauses(answer) -> list[dict[str, int | None]]:
    """The answer's hits as clauses in rank order, one entry per (article, paragraph)."""
    return [{"article": a, "paragraph": p} for a, p in dedup(h.citation for h in answer.hits)]


def ask_one(qa, question: GoldQuestion, mode: str, k: int, lang_hint: bool) -> dict[str, Any]:
    """Ask one gold question; a question the system rejects counts as an abstention."""
    from treatyqa.errors import InvalidQuestion

    top_k = min(max(k, CURVE_K), MAX_TOP_K)
    lang = question.lang if lang_hint else None
    record: dict[str, Any] = {"id": question.id, "lang": question.lang}
    started = time.perf_counter()
    try:
        answer = qa.ask(question.question, top_k=top_k, lang=lang, mode=mode)
    except InvalidQuestion as exc:
        logger.warning("%s: question %s was rejected (%s); counted as an abstention", mode, question.id, exc.message("en"))
        record.update(abstained=True, ranked=[], latency_ms=None, detected_lang=None, abstention=None, error=exc.message("en"))
        return record
    latency = (time.perf_counter() - started) * 1000
    ranked = ranked_clauses(answer)
    # List items of one paragraph collapse into one clause; fetch deeper if that left fewer than k.
    while len(ranked) < k and len(answer.hits) == top_k and top_k < MAX_TOP_K:
        top_k = min(top_k * 2, MAX_TOP_K)
        answer = qa.ask(question.question, top_k=top_k, lang=lang, mode=mode)
        ranked = ranked_clauses(answer)
    record.update(
        abstained=bool(answer.abstained),
        ranked=ranked,
        latency_ms=latency,
        detected_lang=answer.language,
        abstention=abstention_record(qa, answer),
    )
    return record


def abstention_record(qa, answer) -> dict[str, float] | None:
    """What the abstention rule saw for this answer, and its score (it abstains above 0)."""
    features = answer.abstention_features
    if features is None:
        return None
    from treatyqa.domain import answer_language

    rule = qa.abstention.rule(answer_language(answer.language))
    return {"offtopic_gap": features.offtopic_gap, "unknown_share": features.unknown_share, "score": rule.score(features)}


def _progress_line(mode: str, done: int, total: int, r1: str, elapsed: float) -> str:
    eta = elapsed / done * (total - done) if done else 0.0
    return f"{mode}: {done}/{total} questions, R@1 {r1}, {elapsed:.0f} s, ETA {eta:.0f} s"


def run_system(
    qa, gold: Sequence[GoldQuestion], mode: str, k: int, *, lang_hint: bool = False, show_progress: bool = True
) -> SystemRun:
    """Ask every gold question, with the running R@1 and an ETA on stderr: a tqdm bar when
    ``show_progress``, else a line at every tenth of the questions (for logs)."""
    for text in WARM_UP.values():  # first calls load lazily; keep them out of the latencies
        qa.ask(text, top_k=1, mode=mode)
    run = SystemRun(mode)
    hits = answerable = 0
    bar = None
    if show_progress:
        from tqdm import tqdm

        bar = tqdm(total=len(gold), desc=f"{mode:8s}", unit="q", file=sys.stderr, leave=True, dynamic_ncols=True)
    step = max(1, len(gold) // 10)
    started = time.perf_counter()
    for done, question in enumerate(gold, start=1):
        record = ask_one(qa, question, mode, k, lang_hint)
        run.questions.append(record)
        if question.answerable:
            answerable += 1
            hits += first_match_rank(question.citations, [(c["article"], c["paragraph"]) for c in record["ranked"][:1]]) == 1
        r1 = f"{hits / answerable:.3f}" if answerable else "n/a"
        if bar is not None:
            bar.set_postfix_str(f"R@1 {r1}", refresh=False)
            bar.update()
        elif done % step == 0 or done == len(gold):
            print(_progress_line(mode, done, len(gold), r1, time.perf_counter() - started), file=sys.stderr, flush=True)
    if bar is not None:
        bar.close()
    return run


# --------------------------------------------------------------------------- reporting

def build_report(
    gold: Sequence[GoldQuestion], runs: Sequence[SystemRun], k: int, sources: Sequence[str] = (),
    bootstrap: Bootstrap = Bootstrap(),
) -> dict[str, Any]:
    """The ``--output`` document; ``metrics``/``questions`` are the first system's (hybrid by default).

    Per system: ``metrics`` (as :func:`eval.metrics.compute_metrics`), ``intervals`` (group ->
    metric -> [low, high] or None), ``breakdowns`` (``style`` and ``article`` -> group -> figures
    with intervals) and ``questions``; ``significance``: each other system against the first.
    """
    systems: dict[str, Any] = {}
    rows_of: dict[str, list[dict[str, Any]]] = {}
    gold_by_id = {q.id: q for q in gold}
    for run in runs:
        questions = []
        for q in run.questions:
            g = gold_by_id[q["id"]]
            rank = first_match_rank(g.citations, [(c["article"], c["paragraph"]) for c in q["ranked"]])
            questions.append({**q, "lang": g.lang, "question": g.question, "style": g.style,
                              "citations": g.to_dict()["citations"], "first_match_rank": rank})
        rows = per_question(gold, run.questions, k)
        rows_of[run.name] = rows
        by_lang = breakdown(rows, gold, "lang", k, bootstrap)
        systems[run.name] = {
            "description": SYSTEMS.get(run.name, run.name),
            "metrics": compute_metrics(gold, run.questions, k, label=run.name),
            "intervals": {group: by_lang[group]["intervals"] if group in by_lang else None for group in LANG_GROUPS},
            "breakdowns": {dim: breakdown(rows, gold, dim, k, bootstrap) for dim in ("style", "article")},
            "latency_ms": latency_summary(run.latencies_ms),
            "questions": questions,
        }
    primary = runs[0].name
    return {
        "system": primary,
        "k": k,
        "metrics": systems[primary]["metrics"],
        "questions": systems[primary]["questions"],
        "latency_ms": {name: s["latency_ms"] for name, s in systems.items()},
        "gold": {
            "files": list(sources),
            "questions": len(gold),
            "languages": {lang: sum(1 for q in gold if q.lang == lang) for lang in ("kk", "ru")},
            "unanswerable": sum(1 for q in gold if not q.answerable),
        },
        "bootstrap": bootstrap.to_dict(),
        "significance": {
            run.name: paired_tests(rows_of[primary], rows_of[run.name], k, bootstrap) for run in runs[1:]
        },
        "systems": systems,
    }


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} ms"


def metric_columns(k: int) -> list[tuple[str, str]]:
    """(metric key, column header) in table order."""
    recalls = sorted({*RECALL_KS, k})
    return (
        [(f"recall@{n}", f"R@{n}") for n in recalls]
        + [(f"mrr@{k}", f"MRR@{k}"), (f"ndcg@{NDCG_K}", f"nDCG@{NDCG_K}"), ("first_citation_accuracy", "Acc@1")]
        + [("abstention_precision", "AbstP"), ("abstention_recall", "AbstR")]
    )


def _ci(interval: Sequence[float] | None) -> str:
    return "" if not interval else f"{interval[0]:.2f}–{interval[1]:.2f}"


def format_system(
    name: str, metrics: dict[str, dict[str, Any]], latency: dict[str, Any], k: int,
    intervals: dict[str, dict[str, Any] | None] | None = None,
) -> str:
    """One fixed-width block: a heading with latency, then rows kk / ru / all, each followed
    by its 95 % intervals when ``intervals`` are given."""
    columns = metric_columns(k)
    width = 10 if intervals else 8
    header = f"{'lang':<5}{'n':>5}{'ans':>5}" + "".join(f"{title:>{width}}" for _, title in columns)
    title = f"{name} ({SYSTEMS.get(name, name)})"
    timing = f"latency p50 {_ms(latency.get('p50'))}, p95 {_ms(latency.get('p95'))}"
    lines = [f"{title}   {timing}", header, "-" * len(header)]
    for group in LANG_GROUPS:
        m = metrics[group]
        row = f"{group:<5}{m['questions']:>5}{m['answerable']:>5}" + "".join(f"{_fmt(m[key]):>{width}}" for key, _ in columns)
        lines.append(row)
        if intervals:
            group_ci = intervals.get(group) or {}
            cells = [_ci(group_ci.get(key)) or ("" if m[key] is None else "-") for key, _ in columns]
            lines.append(f"{'  95%':<15}" + "".join(f"{cell:>{width}}" for cell in cells))
    return "\n".join(lines)


def format_significance(report: dict[str, Any]) -> str:
    """One line per baseline: its difference to the main system, interval and p-value per metric."""
    primary = report["system"]
    lines = [
        f"Paired randomisation test, baseline minus {primary}, on the answerable questions"
        " (mean difference, 95 % bootstrap interval, two-sided p):",
    ]
    for name, tests in report["significance"].items():
        n = next(iter(tests.values()))["n"] if tests else 0
        parts = []
        for metric, t in tests.items():
            title = dict(metric_columns(report["k"])).get(metric, metric)
            diff = "n/a" if t["difference"] is None else f"{t['difference']:+.3f}"
            ci = f" [{t['ci'][0]:+.3f}, {t['ci'][1]:+.3f}]" if t["ci"] else ""
            parts.append(f"{title} {diff}{ci} {fmt_p(t['p_value'])}")
        lines.append(f"  {name:<8} n {n:<4} " + "   ".join(parts))
    return "\n".join(lines)


def format_breakdown(report: dict[str, Any], dimension: str) -> str:
    """Groups of one breakdown as rows: R@1 of every system with its interval, then the main
    system's MRR, answerable questions it withheld and its abstention recall."""
    k = report["k"]
    systems = report["systems"]
    primary = report["system"]
    table = systems[primary]["breakdowns"][dimension]
    heading = {"style": "By question style", "article": "By cited article (0: the preamble)"}[dimension]
    label = {"style": "style", "article": "article"}[dimension]
    col = 18
    header = (f"{label:<13}{'n':>5}{'ans':>5}" + "".join(f"{name + ' R@1':>{col}}" for name in systems)
              + f"{'MRR@' + str(k):>9}{'withheld':>10}{'AbstR':>8}")
    lines = [f"{heading}: R@1 with its 95 % interval per system; {primary}'s MRR, withheld answerable"
             " questions and abstention recall", header, "-" * len(header)]
    for group, m in table.items():
        cells = []
        for system in systems.values():
            g = system["breakdowns"][dimension].get(group)
            value = f"{_fmt(g['recall@1'])} {_ci(g['intervals']['recall@1'])}".rstrip() if g else "n/a"
            cells.append(f"{value:>{col}}")
        lines.append(
            f"{group:<13}{m['questions']:>5}{m['answerable']:>5}" + "".join(cells)
            + f"{_fmt(m[f'mrr@{k}']):>9}{m['false_abstentions']:>10}{_fmt(m['abstention_recall']):>8}"
        )
    return "\n".join(lines)


def format_report(report: dict[str, Any]) -> str:
    g = report["gold"]
    k = report["k"]
    langs = ", ".join(f"{lang} {n}" for lang, n in g["languages"].items())
    boot = report.get("bootstrap") or {}
    lines = [
        f"TreatyQA evaluation: {g['questions']} gold questions ({langs}; {g['unanswerable']} unanswerable)",
        f"gold: {', '.join(g['files'])}",
        f"R@n: any gold clause in the top n (answerable questions); MRR@{k}; nDCG@{NDCG_K} binary;"
        " Acc@1: the first citation answers;",
        "AbstP/AbstR: abstention precision/recall with the unanswerable questions as positives.",
    ]
    if boot:
        lines.append(f"95%: percentile bootstrap over questions, {boot['resamples']} resamples, seed {boot['seed']}.")
    lines.append("")
    for name, system in report["systems"].items():
        lines.append(format_system(name, system["metrics"], system["latency_ms"], k, system.get("intervals")))
        lines.append("")
    if report.get("significance"):
        lines += [format_significance(report), ""]
    primary = report["systems"][report["system"]]
    for dimension in ("style", "article"):
        if primary.get("breakdowns", {}).get(dimension):
            lines += [format_breakdown(report, dimension), ""]
    return "\n".join(lines).rstrip() + "\n"


# --------------------------------------------------------------------------- command line

def _k(value: str) -> int:
    try:
        k = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if not is_top_k(k):
        raise argparse.ArgumentTypeError(f"must be from {MIN_TOP_K} to {MAX_TOP_K}, got {k}")
    return k


def _systems(value: str) -> list[str]:
    names = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [n for n in names if n not in SYSTEMS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown system {', '.join(unknown) or value!r}; choose from {', '.join(SYSTEMS)}")
    return list(dict.fromkeys(names))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m eval.run",
        description="Evaluate TreatyQA's cited clauses on gold questions, with lexical-only and dense-only baselines.",
    )
    parser.add_argument(
        "--gold", metavar="FILE", action="append", type=Path,
        help="a gold JSON Lines file (repeatable); default: the project's gold set",
    )
    parser.add_argument(
        "--split", choices=("dev", "test", "all"), default=None,
        help="part of the project's gold set (default: all); not with --gold",
    )
    parser.add_argument("--output", metavar="FILE", type=Path, help="write metrics and every ranked list as JSON")
    parser.add_argument("--plot", metavar="FILE.png", type=Path, help="draw recall@k, k = 1..10, per system and language")
    parser.add_argument("--k", type=_k, default=10, help="ranked clauses kept per question and the MRR cut-off (default 10)")
    parser.add_argument(
        "--systems", type=_systems, default=list(SYSTEMS),
        help="comma-separated systems to run, the first is the main one (default: hybrid,dense,lexical)",
    )
    parser.add_argument(
        "--lang-from-gold", action="store_true",
        help="pass each question's gold language to the API instead of letting it detect the language",
    )
    parser.add_argument(
        "--report", metavar="FILE.html|FILE.md", type=Path,
        help="write every miss and every wrong abstention, with the clause texts and the abstention features",
    )
    parser.add_argument("--trec-run", metavar="FILE", type=Path, help="write the main system's ranked clauses as a TREC run")
    parser.add_argument("--trec-qrels", metavar="FILE", type=Path, help="write the gold citations as TREC qrels")
    parser.add_argument("--seed", type=int, default=SEED, help=f"seed of the bootstrap and the paired test (default {SEED})")
    parser.add_argument(
        "--progress", choices=("auto", "bar", "lines"), default="auto",
        help="a progress bar per system (default when stderr is a terminal) or a line at every tenth of the questions",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress and index building")
    return parser


def _fail(message: str, code: int) -> int:
    print(message, file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s: %(message)s",
        stream=sys.stderr,
    )
    # -v is for our progress and the index build; Haystack logs every component run at INFO.
    logging.getLogger("haystack").setLevel(logging.WARNING)
    from treatyqa.settings import Settings, SettingsError

    try:
        Settings.from_env()  # a bad setting is said before any work, exit 2 as at every entry point
    except SettingsError as exc:
        return _fail(f"error: {exc.message('en')}", 2)
    if args.gold and args.split:
        parser.error("--split selects part of the project's gold set; it cannot be combined with --gold")
    outputs = (("--output", args.output), ("--plot", args.plot), ("--report", args.report),
               ("--trec-run", args.trec_run), ("--trec-qrels", args.trec_qrels))
    for option, path in outputs:
        if path is not None and not path.parent.is_dir():
            return _fail(f"{option}: folder {path.parent} does not exist", 2)
    if args.report is not None and args.report.suffix.lower() not in FORMATS:
        return _fail(f"--report: the file must end in .html or .md, not {args.report.name!r}", 2)

    own_set = not args.gold
    paths = default_gold_paths(args.split or "all") if own_set else args.gold
    try:
        gold = load_gold(paths, require_answer=own_set)
    except GoldFileError as exc:
        for error in exc.errors:
            print(f"error: {error}", file=sys.stderr)
        n_files = len({e.path for e in exc.errors})
        return _fail(f"{len(exc.errors)} bad line(s) in {n_files} gold file(s); nothing was evaluated.", 2)

    from treatyqa.errors import TreatyQAError

    show_bar = args.progress == "bar" or (args.progress == "auto" and sys.stderr.isatty())
    try:
        from treatyqa.entry import open_qa

        with open_qa(progress=logger.info) as qa:
            runs = [
                run_system(qa, gold, mode, args.k, lang_hint=args.lang_from_gold, show_progress=show_bar)
                for mode in args.systems
            ]
            agreement = qa.agreement  # the text the runs were answered from
    except TreatyQAError as exc:
        return _fail(f"error: {exc.message('en')}", 1)

    report = build_report(gold, runs, args.k, [str(p) for p in paths], Bootstrap(seed=args.seed))
    sys.stdout.write(format_report(report))
    if args.output:
        args.output.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.output}")
    if args.plot:
        from eval.plot import plot_recall_curves

        curves = {run.name: recall_curve(gold, run.questions, CURVE_K) for run in runs}
        plot_recall_curves(curves, args.plot)
        print(f"wrote {args.plot}")
    write_exchange_files(args, gold, report, agreement)
    return 0


def write_exchange_files(
    args: argparse.Namespace, gold: Sequence[GoldQuestion], report: dict[str, Any], agreement: Agreement
) -> None:
    """``--report``, ``--trec-run`` and ``--trec-qrels``; they need the agreement, not the model."""
    from eval import trec
    from eval.failures import write_report

    if not (args.report or args.trec_run or args.trec_qrels):
        return
    if args.report:
        records = {name: s["questions"] for name, s in report["systems"].items()}
        failures = write_report(args.report, gold, records, agreement)
        print(f"wrote {args.report} ({len(failures)} failure(s) over {len(records)} system(s))")
    if args.trec_run:
        trec.write_lines(args.trec_run, trec.run_lines(report["system"], report["questions"]))
        print(f"wrote {args.trec_run} (TREC run of {report['system']})")
    if args.trec_qrels:
        trec.write_lines(args.trec_qrels, trec.qrels_lines(gold, trec.agreement_clauses(agreement)))
        print(f"wrote {args.trec_qrels} (TREC qrels)")


if __name__ == "__main__":
    sys.exit(main())
