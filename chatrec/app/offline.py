"""Keep the app on this machine: no analytics, no version checks, no model-hub calls.

Gradio and huggingface_hub read these variables when they are imported (huggingface_hub keeps
``HF_HUB_OFFLINE`` in a constant), so `keep_offline` runs when ``chatrec.app`` is imported,
before anything in the app imports gradio or transformers. ``CHATREC_ALLOW_DOWNLOADS=1`` (the
``allow_downloads`` setting) lets a model be fetched once; analytics stay off even then.
"""

from __future__ import annotations

import os

ALWAYS = {
    "GRADIO_ANALYTICS_ENABLED": "False",  # also stops Gradio's version check
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
    "DO_NOT_TRACK": "1",
    "GRADIO_RUN_HISTORY": "False",
}
UNLESS_DOWNLOADS = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


def keep_offline(environ: os._Environ[str] | dict[str, str] | None = None) -> None:
    """Set the variables that switch off every outbound call of Gradio and the model hub."""
    env = os.environ if environ is None else environ
    allow = env.get("CHATREC_ALLOW_DOWNLOADS", "").strip().lower() in {"1", "true", "yes", "on"}
    env.update(ALWAYS)
    if not allow:
        env.update(UNLESS_DOWNLOADS)
