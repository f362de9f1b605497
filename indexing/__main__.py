"""``python -m indexing``: build the index (a no-op when a complete, current one exists).

Exit codes: 0 built or up to date, 1 the index cannot be built (folder locked or not
writable, disk full, Qdrant server unreachable, an unexpected fault), 2 the corpus folder is
not usable (the message names file, article and paragraph).
"""

from __future__ import annotations

import argparse
import logging
import sys

from treatyqa import offline as _offline  # noqa: F401  (imports treatyqa first: offline settings before any ML import)
from treatyqa.console import PROGRESS_MODES, ConsoleProgress, wants_bar
from treatyqa.errors import TreatyQAError
from treatyqa.parser import CorpusError
from treatyqa.settings import Settings, SettingsError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m indexing", description=__doc__)
    parser.add_argument("--rebuild", action="store_true", help="build a new index even if a current one exists")
    parser.add_argument("-v", "--verbose", action="store_true", help="show library logs and tracebacks")
    parser.add_argument(
        "--progress", choices=PROGRESS_MODES, default="auto",
        help="a progress bar (default when stderr is a terminal) or a line at every tenth of the documents",
    )
    parser.add_argument("--data-dir", help="where the embedded index lives (default: TREATYQA_DATA_DIR or ~/.local/share/treatyqa)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(message)s")
    for noisy in ("httpx", "haystack", "sentence_transformers", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    from indexing.build import build_index

    try:
        settings = Settings.from_env(data_dir=args.data_dir or None)
    except SettingsError as exc:
        print(f"error: {exc.message('en')}", file=sys.stderr)
        return 2
    progress = ConsoleProgress(lambda msg: print(msg, file=sys.stderr, flush=True), bar=wants_bar(args.progress))
    try:
        try:
            report = build_index(settings, rebuild=args.rebuild, progress=progress)
        finally:
            progress.close()  # before any error message: a half-drawn bar would swallow it
    except CorpusError as exc:
        print(f"error: the corpus folder is not usable: {exc}", file=sys.stderr)
        return 2
    except TreatyQAError as exc:
        print(f"error: {exc.message('en')}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - one sentence, the traceback only with -v
        logging.getLogger(__name__).debug("build failed", exc_info=True)
        print(f"error: the index build failed ({type(exc).__name__}: {str(exc)[:200]}); run with -v for details.", file=sys.stderr)
        return 1
    print(report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
