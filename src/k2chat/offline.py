"""No network, no telemetry, no unused bookkeeping: set before chromadb, gradio or
transformers are imported.

Imported first by ``k2chat/__init__``; a user's own setting of these variables wins.
"""

import os

for _name, _value in (
    ("ANONYMIZED_TELEMETRY", "False"),  # Chroma
    ("GRADIO_ANALYTICS_ENABLED", "False"),
    ("HF_HUB_OFFLINE", "1"),  # the model ships in a package; never ask a hub
    ("TRANSFORMERS_OFFLINE", "1"),
    ("HF_HUB_DISABLE_TELEMETRY", "1"),
    ("TOKENIZERS_PARALLELISM", "false"),
    # Gradio's queue keeps timings of its last 10,000 events for a monitoring page k2chat never
    # opens (launch(enable_monitoring=False)); under load that was most of the server's memory
    # growth after the first minute (bench/soak.py: ~1.3 MB/min). Keep one.
    ("GRADIO_ANALYTICS_MAX_EVENTS", "1"),
):
    os.environ.setdefault(_name, _value)
