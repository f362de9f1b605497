"""Benchmark the Python API: start-up time, warm per-question latency p50/p95, RSS.

    python benchmarks/query_latency.py [--rounds 5]

Uses the configured data folder (TREATYQA_DATA_DIR; the index is built first if missing)
and the project's gold questions (dev + test) as the query mix.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time

from treatyqa import offline as _offline  # noqa: F401
from treatyqa.domain import MODES


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--mode", default="hybrid", choices=MODES)
    args = parser.parse_args()

    started = time.perf_counter()
    from treatyqa.api import TreatyQA  # torch, transformers, haystack: most of a cold start

    import_s = time.perf_counter() - started
    from eval.gold import default_gold_paths, load_gold
    from eval.metrics import latency_summary
    from treatyqa.settings import Settings

    from indexing.build import build_index

    build_index(Settings.from_env())  # keep a first-run build out of the start-up figure
    started = time.perf_counter()
    qa = TreatyQA()
    startup = time.perf_counter() - started
    questions = [q.question for q in load_gold(default_gold_paths("all"))]
    for text in questions[:10]:
        qa.ask(text, mode=args.mode)
    latencies = []
    for _ in range(args.rounds):
        for text in questions:
            t = time.perf_counter()
            qa.ask(text, mode=args.mode)
            latencies.append((time.perf_counter() - t) * 1000)
    qa.close()
    summary = latency_summary(latencies)  # the same percentiles as python -m eval.run
    result = {
        "mode": args.mode,
        "questions": len(latencies),
        "import_s": round(import_s, 2),
        "startup_s": round(startup, 2),
        "p50_ms": round(summary["p50"], 1),
        "p95_ms": round(summary["p95"], 1),
        "mean_ms": round(summary["mean"], 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
