"""Start the TreatyQA web chat and JSON API: ``python app.py`` (settings: TREATYQA_* variables).

On first run the model cache and the index are built (progress on the console); the chat
is served at http://127.0.0.1:7860/ as soon as they are ready.
"""

import sys

import treatyqa  # noqa: F401  (sets the offline environment before anything else is imported)
from treatyqa.web.server import main

if __name__ == "__main__":
    sys.exit(main())
