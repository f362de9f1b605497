"""Measure TreatyQA on gold questions, next to lexical-only and dense-only baselines.

    python -m eval.run                                  # the project's gold set (dev + test)
    python -m eval.run --split dev
    python -m eval.run --gold mine.jsonl --output out.json --plot recall.png

Every question goes through :meth:`treatyqa.TreatyQA.ask` (the API the CLI and the web chat
use) once per system: ``hybrid`` (the full pipeline), ``dense`` and ``lexical`` over the same
index. The table gives, per language, recall@1/3/5, MRR, nDCG@5, first-citation accuracy and
abstention precision/recall, plus latency p50/p95 per system. ``--output`` writes
``{"metrics", "questions", ...}``; :func:`eval.metrics.compute_metrics` on its
``questions`` gives back exactly the printed metrics.

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

from eval.gold import GoldFileError, GoldQuestion, default_gold_paths, load_gold
from eval.metrics import (
    LANG_GROUPS,
    NDCG_K,
    RECALL_KS,
    compute_metrics,
    dedup,
    first_match_rank,
    latency_summary,
    recall_curve,
)

logger = logging.getLogger("eval.run")

SYSTEMS = {"hybrid": "full pipeline", "dense": "dense retrieval only", "lexical": "lexical retrieval only"}
MAX_TOP_K = 50  # TreatyQA.ask accepts top_k 1..50
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
        record.update(abstained=True, ranked=[], latency_ms=None, detected_lang=None, error=exc.message("en"))
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
    )
    return record


def run_system(
    qa, gold: Sequence[GoldQuestion], mode: str, k: int, *, lang_hint: bool = False, show_progress: bool = True
) -> SystemRun:
    for text in WARM_UP.values():  # first calls load lazily; keep them out of the latencies
        qa.ask(text, top_k=1, mode=mode)
    run = SystemRun(mode)
    items: Any = gold
    if show_progress:
        from tqdm import tqdm

        items = tqdm(gold, desc=f"{mode:8s}", unit="q", file=sys.stderr, leave=False)
    for question in items:
        run.questions.append(ask_one(qa, question, mode, k, lang_hint))
    return run


# --------------------------------------------------------------------------- reporting

def build_report(
    gold: Sequence[GoldQuestion], runs: Sequence[SystemRun], k: int, sources: Sequence[str] = ()
) -> dict[str, Any]:
    """The ``--output`` document; ``metrics``/``questions`` are the first system's (hybrid by default)."""
    systems: dict[str, Any] = {}
    gold_by_id = {q.id: q for q in gold}
    for run in runs:
        questions = []
        for q in run.questions:
            rank = first_match_rank(gold_by_id[q["id"]].citations, [(c["article"], c["paragraph"]) for c in q["ranked"]])
            questions.append({**q, "first_match_rank": rank})
        systems[run.name] = {
            "description": SYSTEMS.get(run.name, run.name),
            "metrics": compute_metrics(gold, run.questions, k, label=run.name),
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


def format_system(name: str, metrics: dict[str, dict[str, Any]], latency: dict[str, Any], k: int) -> str:
    """One fixed-width block: a heading with latency, then rows kk / ru / all."""
    columns = metric_columns(k)
    width = 8
    header = f"{'lang':<5}{'n':>5}{'ans':>5}" + "".join(f"{title:>{width}}" for _, title in columns)
    title = f"{name} ({SYSTEMS.get(name, name)})"
    timing = f"latency p50 {_ms(latency.get('p50'))}, p95 {_ms(latency.get('p95'))}"
    lines = [f"{title}   {timing}", header, "-" * len(header)]
    for group in LANG_GROUPS:
        m = metrics[group]
        row = f"{group:<5}{m['questions']:>5}{m['answerable']:>5}" + "".join(f"{_fmt(m[key]):>{width}}" for key, _ in columns)
        lines.append(row)
    return "\n".join(lines)


def format_report(report: dict[str, Any]) -> str:
    g = report["gold"]
    k = report["k"]
    langs = ", ".join(f"{lang} {n}" for lang, n in g["languages"].items())
    lines = [
        f"TreatyQA evaluation: {g['questions']} gold questions ({langs}; {g['unanswerable']} unanswerable)",
        f"gold: {', '.join(g['files'])}",
        f"R@n: any gold clause in the top n (answerable questions); MRR@{k}; nDCG@{NDCG_K} binary;"
        " Acc@1: the first citation answers;",
        "AbstP/AbstR: abstention precision/recall with the unanswerable questions as positives.",
        "",
    ]
    for name, system in report["systems"].items():
        lines.append(format_system(name, system["metrics"], system["latency_ms"], k))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# --------------------------------------------------------------------------- command line

def _k(value: str) -> int:
    try:
        k = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if not 1 <= k <= MAX_TOP_K:
        raise argparse.ArgumentTypeError(f"must be from 1 to {MAX_TOP_K}, got {k}")
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
    if args.gold and args.split:
        parser.error("--split selects part of the project's gold set; it cannot be combined with --gold")
    for option, path in (("--output", args.output), ("--plot", args.plot)):
        if path is not None and not path.parent.is_dir():
            return _fail(f"{option}: folder {path.parent} does not exist", 2)

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

    try:
        from treatyqa import TreatyQA

        with TreatyQA(progress=logger.info) as qa:
            runs = [
                run_system(qa, gold, mode, args.k, lang_hint=args.lang_from_gold, show_progress=sys.stderr.isatty())
                for mode in args.systems
            ]
    except TreatyQAError as exc:
        return _fail(f"error: {exc.message('en')}", 1)

    report = build_report(gold, runs, args.k, [str(p) for p in paths])
    sys.stdout.write(format_report(report))
    if args.output:
        args.output.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.output}")
    if args.plot:
        from eval.plot import plot_recall_curves

        curves = {run.name: recall_curve(gold, run.questions, CURVE_K) for run in runs}
        plot_recall_curves(curves, args.plot)
        print(f"wrote {args.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
