"""The one settings object: read from CLI flags or CHATREC_* environment variables.

Everything configurable lives here so that there is no other global state. A `Settings` is
frozen; build a changed copy with `dataclasses.replace` or `Settings.from_env(**overrides)`.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

ENV_PREFIX = "CHATREC_"


@dataclass(frozen=True)
class Settings:
    """Runtime configuration for chatrec.

    data: a catalog name (``ml-100k``, ``ml-latest-small``) or a path to a catalog folder.
    lm: ``smollm2`` (packaged, transformers), ``llama:smollm2`` (the same GGUF on llama.cpp, from
        the ``[llama]`` extra), ``openai:<server URL>`` (any OpenAI-compatible server), ``none``
        (templates only), or a Hugging Face causal-LM id/path.
    lm_reply: ``lead-in`` (the LM writes one sentence) or ``grounded`` (it first tries the whole
        short reply from a facts block; gated, templates remain the fallback).
    lm_understand: ``off``, ``on`` or ``auto``: the LM proposes catalog genres for words the
        rule parser leaves over (`chatrec.understand.lm_delta`); ``auto`` is on only for the
        backends where it was measured to help (none so far: README, "language model").
    embedder: ``minilm`` (packaged), ``lm-pooled`` (hidden states of ``lm``), or ``hashing``.
    """

    data: str = "ml-100k"
    lm: str = "smollm2"
    embedder: str = "minilm"
    db_url: str = "sqlite:///data/chatrec.db"
    host: str = "127.0.0.1"
    port: int = 7860
    cache_dir: str = "data/cache"
    k_shown: int = 5
    k_candidates: int = 200
    k_neighbors: int = 50
    lm_time_budget_s: float = 1.8  # leaves room under the 2 s reply target for prompt and gate
    lm_max_new_tokens: int = 40
    lm_reply: str = "lead-in"
    lm_reply_max_new_tokens: int = 60
    lm_understand: str = "auto"
    lm_threads: int = 1  # llama.cpp threads (the transformers backend uses torch_threads)
    lm_model: str = ""  # model name for an openai: server ("" asks the server's /models)
    lm_connect_timeout_s: float = 0.5
    lm_read_timeout_s: float = 5.0
    lm_api_key: str = ""  # bearer token for an openai: server that wants one (vLLM --api-key)
    allow_downloads: bool = False
    max_message_chars: int = 2000
    max_sessions: int = 1000  # conversations kept in memory (least recent dropped, then restored)
    new_users_per_minute: int = 30  # new anonymous ids one client (address) may get per minute
    # Torch intra-op threads for the embedder and LM. One is the robust choice on a 2-core
    # laptop: with two, any other busy process makes OpenMP spin, and a 30-token reply that
    # takes 5 s on one thread was measured at 60 s on two under load.
    torch_threads: int = 1

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Build settings from ``CHATREC_<FIELD>`` variables; explicit overrides win.

        Overrides that are ``None`` are ignored, so CLI options can be passed straight through.
        """
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for field in dataclasses.fields(cls):
            raw = env.get(ENV_PREFIX + field.name.upper())
            if raw is not None and raw != "":
                values[field.name] = _coerce(field.name, field.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @property
    def cache_path(self) -> Path:
        """The folder that holds computed artifacts."""
        return Path(self.cache_dir)


def _coerce(name: str, type_name: object, raw: str) -> object:
    """Turn an environment string into the field's type, with a message naming the variable."""
    kind = str(type_name)
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "bool":
            return raw.strip().lower() in {"1", "true", "yes", "on"}
    except ValueError as exc:
        raise ValueError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not a valid {kind}") from exc
    return raw
