"""``python -m indexing``: build the index (a no-op when a complete, current one exists)."""

from __future__ import annotations

import argparse
import logging
import sys

import treatyqa  # noqa: F401  (offline settings before any ML import)
from treatyqa.errors import TreatyQAError
from treatyqa.parser import CorpusError
from treatyqa.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m indexing", description=__doc__)
    parser.add_argument("--rebuild", action="store_true", help="build a new index even if a current one exists")
    parser.add_argument("--data-dir", help="where the embedded index lives (default: TREATYQA_DATA_DIR or ~/.local/share/treatyqa)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for noisy in ("httpx", "haystack", "sentence_transformers", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    from indexing.build import build_index

    settings = Settings.from_env(data_dir=args.data_dir or None)
    try:
        report = build_index(settings, rebuild=args.rebuild, progress=lambda msg: print(msg, file=sys.stderr))
    except (TreatyQAError, CorpusError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
