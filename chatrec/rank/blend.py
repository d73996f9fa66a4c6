"""Blend weights and score normalisation: how source scores become one comparable number.

Scores are z-normalised over the items the user may still get, so a weight means the same for
every source; ``BlendConfig`` holds the weights and reranking knobs. Their defaults are data:
``blend_weights.toml`` (package data) records the weights, the command that produced them and
the dataset/seed, and is read once when this module loads.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import tomllib

from chatrec.candidates import SOURCE_NAMES

SIGNALS = (*SOURCE_NAMES, "profile", "wish")  # everything a blend weight can apply to
RERANK_KNOBS = ("cold_popularity", "cold_quality", "evidence_half", "mmr_lambda",
                "cold_mmr_lambda", "pool_size")
WEIGHTS_FILE = Path(__file__).resolve().parent / "blend_weights.toml"
_SECTIONS = {"weights": SIGNALS, "rerank": RERANK_KNOBS}
_REQUIRED_PROVENANCE = ("version", "command", "date", "dataset", "seed")


class BlendFileError(ValueError):
    """A blend weights file that is missing, unreadable or incomplete."""


@dataclass(frozen=True)
class BlendFile:
    """A blend weights file: every `BlendConfig` value, and where the values came from."""

    values: dict[str, float | int]
    provenance: dict[str, object]  # version, command, date, dataset, seed and any notes


def read_blend_file(path: Path = WEIGHTS_FILE) -> BlendFile:
    """Parse and check a weights file; every weight and knob must be present and numeric."""
    try:
        with Path(path).open("rb") as handle:
            raw = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise BlendFileError(f"cannot read blend weights {path}: {exc}") from exc
    values: dict[str, float | int] = {}
    for section, keys in _SECTIONS.items():
        table = raw.get(section, {})
        wrong = sorted(set(keys) ^ set(table))
        if wrong:
            raise BlendFileError(f"{path} [{section}]: missing or unknown keys {wrong}")
        for key in keys:
            value = table[key]
            if (isinstance(value, bool) or not isinstance(value, int | float)
                    or not math.isfinite(value)):
                raise BlendFileError(f"{path} [{section}] {key} = {value!r} is not a number")
            values[key] = int(value) if key == "pool_size" else float(value)
    provenance = {k: v for k, v in raw.items() if k not in _SECTIONS}
    missing = [k for k in _REQUIRED_PROVENANCE if k not in provenance]
    if missing:
        raise BlendFileError(f"{path}: missing {', '.join(missing)} (where the weights came from)")
    return BlendFile(values, provenance)


_SHIPPED = read_blend_file().values  # read once; BlendConfig's defaults


@dataclass(frozen=True)
class BlendConfig:
    """Blend weights and reranking knobs; the defaults come from ``blend_weights.toml``.

    ``profile`` / ``wish`` weigh the (z-normalised) cosine between item vectors and the
    query's profile / wish vector; the wish cannot be tuned offline (no text there), so its
    weight is set by hand. ``mmr_lambda`` = 1 turns MMR off. The shipped weights are the
    earlier validation-tuned ones (first-improvement coordinate ascent on ml-100k, seed 2020,
    EASE fixed at 1); the stricter search in chatrec_eval.offline keeps only EASE 1 + neural 3
    (about equal on test). They stay because the other sources' evidence feeds the
    explanations, a trade-off for the simulated-chat evaluation to settle.

    Cold start: with no history the popularity and quality sources get at least
    ``cold_popularity`` / ``cold_quality``; the quality boost then fades as likes accumulate
    (halved after ``evidence_half`` of them), and MMR uses ``cold_mmr_lambda`` instead of
    ``mmr_lambda`` (1 = none), so diversity costs nothing on the first turn.
    """

    popularity: float = _SHIPPED["popularity"]
    itemknn: float = _SHIPPED["itemknn"]
    userknn: float = _SHIPPED["userknn"]
    ease: float = _SHIPPED["ease"]
    cease: float = _SHIPPED["cease"]  # EASE with content tokens as pseudo-users
    content: float = _SHIPPED["content"]
    semantic: float = _SHIPPED["semantic"]
    neural: float = _SHIPPED["neural"]
    als: float = _SHIPPED["als"]  # large catalogs only (chatrec.app.resources), in EASE's place
    quality: float = _SHIPPED["quality"]
    keywords: float = _SHIPPED["keywords"]  # a wish's words in tags/descriptions; set by hand
    profile: float = _SHIPPED["profile"]
    wish: float = _SHIPPED["wish"]
    cold_popularity: float = _SHIPPED["cold_popularity"]
    cold_quality: float = _SHIPPED["cold_quality"]
    evidence_half: float = _SHIPPED["evidence_half"]
    mmr_lambda: float = _SHIPPED["mmr_lambda"]
    cold_mmr_lambda: float = _SHIPPED["cold_mmr_lambda"]
    pool_size: int = int(_SHIPPED["pool_size"])

    @classmethod
    def from_file(cls, path: Path) -> BlendConfig:
        """The blend a weights file describes (see `read_blend_file`)."""
        return cls(**read_blend_file(path).values)

    def weight(self, source: str) -> float:
        """The blend weight of a source (0 for one it does not know)."""
        return float(getattr(self, source)) if source in SIGNALS else 0.0


def write_blend_file(path: Path, blend: BlendConfig, provenance: dict[str, object]) -> None:
    """Write ``blend`` as a weights file that `read_blend_file` accepts.

    ``provenance`` must name at least version, command, date, dataset and seed; strings are
    written as JSON strings, which are valid TOML basic strings.
    """
    missing = [k for k in _REQUIRED_PROVENANCE if k not in provenance]
    if missing:
        raise BlendFileError(f"blend weights need {', '.join(missing)} recorded")
    values = asdict(blend)
    lines = ["# Blend weights for chatrec.rank.blend.BlendConfig (see BlendConfig.from_file)."]
    lines += [f"{key} = {_toml_value(value)}" for key, value in provenance.items()]
    for section, keys in _SECTIONS.items():
        lines += ["", f"[{section}]", *(f"{k} = {_toml_value(values[k])}" for k in keys)]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def _toml_value(value: object) -> str:
    """A TOML literal for a string, bool, int or float."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value))


def normalise(scores: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """z-scores over the allowed, finite entries; 0 elsewhere (no opinion counts as average)."""
    out = np.zeros(scores.shape, dtype=np.float32)
    usable = allowed & np.isfinite(scores)
    if usable.sum() < 2:
        return out
    values = scores[usable]
    std = float(values.std())
    out[usable] = (values - values.mean()) / (std if std > 0 else 1.0)
    return out
