"""Start the TreatyQA web chat and JSON API: ``python app.py`` (settings: TREATYQA_* variables).

It listens at http://127.0.0.1:7860/ at once: a starting page there shows the progress while
the model cache and the index load (on first run: are built; progress on the console too),
and the chat replaces it at the same address as soon as they are ready.
"""

import sys

import treatyqa  # noqa: F401  (sets the offline environment before anything else is imported)
from treatyqa.web.server import main

if __name__ == "__main__":
    sys.exit(main())
