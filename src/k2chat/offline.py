"""No network, no telemetry: set before chromadb, gradio or transformers are imported.

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
):
    os.environ.setdefault(_name, _value)
