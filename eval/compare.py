"""Compare two ``eval.run --output`` files: which questions got better or worse, and is it real?

    python -m eval.compare before.json after.json
    python -m eval.compare run.json run.json --system-a hybrid --system-b lexical

A question got better when the first gold clause came higher (or at all), or when an
abstention became right; worse in the opposite cases. The paired randomisation test of
:mod:`eval.stats` runs on the answerable questions both files hold (``b`` minus ``a``).

Exit codes: 0 done, 2 a file cannot be read or holds no such system.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.metrics import NDCG_K, per_question
from eval.stats import SEED, Bootstrap, fmt_p, paired_test


class CompareError(Exception):
    pass


@dataclass(frozen=True)
class Change:
    id: str
    lang: str
    question: str
    answerable: bool
    rank_a: int | None
    rank_b: int | None
    abstained_a: bool
    abstained_b: bool

    @property
    def direction(self) -> int:
        """+1 better in b, -1 worse, 0 unchanged. Rank first; then whether the abstention was right."""
        if self.answerable and self.rank_a != self.rank_b:
            if self.rank_b is None:
                return -1
            if self.rank_a is None:
                return 1
            return 1 if self.rank_b < self.rank_a else -1
        if self.abstained_a != self.abstained_b:
            right_b = self.abstained_b != self.answerable  # abstain exactly on the unanswerable ones
            return 1 if right_b else -1
        return 0


def load_run(path: Path, system: str | None) -> tuple[str, int, list[dict[str, Any]]]:
    """(system name, k, per-question records) of one ``--output`` file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CompareError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except json.JSONDecodeError as exc:
        raise CompareError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(data, dict) or "questions" not in data or "k" not in data:
        raise CompareError(f"{path}: not an eval.run --output file (no 'questions' or 'k')")
    name = system or data.get("system", "")
    if system is None:
        records = data["questions"]
    else:
        systems = data.get("systems", {})
        if system not in systems:
            raise CompareError(f"{path}: no system {system!r} (it has {', '.join(systems) or 'none'})")
        records = systems[system]["questions"]
    if not all("citations" in r for r in records):
        raise CompareError(f"{path}: written by an older eval.run (no gold citations per question); run it again")
    return name, data["k"], records


def changes(a: Sequence[Mapping[str, Any]], b: Sequence[Mapping[str, Any]]) -> list[Change]:
    """Every common question whose first gold rank or abstention differs, in ``a``'s order."""
    by_id = {r["id"]: r for r in b}
    out = []
    for ra in a:
        rb = by_id.get(ra["id"])
        if rb is None:
            continue
        change = Change(
            id=ra["id"], lang=ra["lang"], question=ra.get("question") or rb.get("question") or "",
            answerable=bool(ra["citations"]),
            rank_a=ra.get("first_match_rank"), rank_b=rb.get("first_match_rank"),
            abstained_a=bool(ra["abstained"]), abstained_b=bool(rb["abstained"]),
        )
        if change.rank_a != change.rank_b or change.abstained_a != change.abstained_b:
            out.append(change)
    return out


def _scores(records: Sequence[Mapping[str, Any]], k: int) -> dict[str, dict[str, float]]:
    gold = [{"id": r["id"], "lang": r["lang"], "citations": r["citations"]} for r in records]
    return {row["id"]: row["scores"] for row in per_question(gold, records, k) if row["gold"]}


def paired(a: Sequence[Mapping[str, Any]], b: Sequence[Mapping[str, Any]], k: int, config: Bootstrap) -> dict[str, Any]:
    """b minus a per metric on the answerable questions both hold."""
    sa, sb = _scores(a, k), _scores(b, k)
    common = [qid for qid in sa if qid in sb]
    metrics = ("recall@1", f"mrr@{k}", f"ndcg@{NDCG_K}")
    return {m: paired_test([sb[q][m] for q in common], [sa[q][m] for q in common], config) for m in metrics}


def _rank(rank: int | None) -> str:
    return "-" if rank is None else str(rank)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def format_comparison(label_a: str, label_b: str, a: Sequence[Mapping[str, Any]], b: Sequence[Mapping[str, Any]],
                      k: int, config: Bootstrap = Bootstrap()) -> str:
    ids_a, ids_b = {r["id"] for r in a}, {r["id"] for r in b}
    common = ids_a & ids_b
    lines = [
        f"a: {label_a}",
        f"b: {label_b}",
        f"{len(common)} common questions ({len(ids_a - ids_b)} only in a, {len(ids_b - ids_a)} only in b)",
        "",
    ]
    found = changes(a, b)
    for direction, title in ((-1, "worse in b"), (1, "better in b")):
        chosen = [c for c in found if c.direction == direction]
        lines.append(f"{title}: {len(chosen)}")
        for c in chosen:
            lines.append(
                f"  {c.id:<10} {c.lang}  first gold rank {_rank(c.rank_a)} -> {_rank(c.rank_b)}"
                f"  abstained {_yes(c.abstained_a)} -> {_yes(c.abstained_b)}  {c.question}".rstrip()
            )
        lines.append("")
    tests = paired(a, b, k, config)
    n = next(iter(tests.values()))["n"] if tests else 0
    lines.append(f"Paired randomisation test, b minus a, on {n} common answerable questions"
                 " (mean difference, 95 % bootstrap interval, two-sided p):")
    for metric, t in tests.items():
        diff = "n/a" if t["difference"] is None else f"{t['difference']:+.3f}"
        ci = f" [{t['ci'][0]:+.3f}, {t['ci'][1]:+.3f}]" if t["ci"] else ""
        lines.append(f"  {metric:<10} {diff}{ci} {fmt_p(t['p_value'])}")
    return "\n".join(lines).rstrip() + "\n"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m eval.compare", description="Compare two eval.run --output files question by question.")
    parser.add_argument("a", type=Path, help="the earlier (or reference) run")
    parser.add_argument("b", type=Path, help="the later (or other) run")
    parser.add_argument("--system-a", metavar="NAME", help="the system of a to compare (default: a's main system)")
    parser.add_argument("--system-b", metavar="NAME", help="the system of b to compare (default: b's main system)")
    parser.add_argument("--seed", type=int, default=SEED, help=f"seed of the bootstrap and the paired test (default {SEED})")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        name_a, k_a, a = load_run(args.a, args.system_a)
        name_b, k_b, b = load_run(args.b, args.system_b)
    except CompareError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    k = min(k_a, k_b)  # MRR is compared at the cut-off both runs have
    sys.stdout.write(format_comparison(f"{args.a} ({name_a})", f"{args.b} ({name_b})", a, b, k, Bootstrap(seed=args.seed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
