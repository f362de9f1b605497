"""Process environment set before any ML or web import: nothing calls out (no telemetry,
no hub, no version checks), numeric libraries do not fight over the CPU, and Gradio keeps
no per-event records.

Imported first by ``treatyqa``; the variables must be set before gradio, haystack,
huggingface_hub or transformers are imported. ``setdefault`` lets a site that can reach a
hub opt back in explicitly.
"""

import os

OFFLINE_ENV = {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HAYSTACK_TELEMETRY_ENABLED": "False",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "DO_NOT_TRACK": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",  # the per-load "Loading weights" bar is noise
    # numpy's OpenBLAS threads spin after each (tiny) vector search and starve torch's two
    # threads on a 2-core machine: measured 93 -> 34 ms per dense question with this set.
    "OPENBLAS_NUM_THREADS": "1",
    # Gradio keeps a record of the last 10,000 events and, after every event, rebuilds a pandas
    # table of them for its monitoring page, which the chat turns off: keep one, rebuild never.
    "GRADIO_ANALYTICS_MAX_EVENTS": "1",
    "GRADIO_ANALYTICS_CACHE_FREQUENCY": "1000000000",
}

for _key, _value in OFFLINE_ENV.items():
    os.environ.setdefault(_key, _value)
