"""The blend an offline run chose, as a weights file the engine loads (``--weights-out``)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from chatrec.rank.blend import (
    SIGNALS,
    WEIGHTS_FILE,
    BlendConfig,
    BlendFileError,
    read_blend_file,
    write_blend_file,
)


def tuned_blend(result: dict) -> BlendConfig:
    """The blend a run chose: its tuned weights (0 for every signal it dropped or could not
    tune) and, for what the offline protocol cannot tune (wish, cold popularity, MMR, pool
    size), the engine's current values."""
    untuned = {"wish"}  # no chat text offline
    weights = {name: 0.0 for name in SIGNALS if name not in untuned}
    return replace(BlendConfig(), **{**weights, **result["protocol"]["blend"]})


def write_tuned_weights(path: Path, result: dict, command: str, date: str) -> None:
    """Write the run's chosen blend as a weights file the engine can load.

    The version is one more than the shipped file's (or the replaced file's, if higher), so a
    file's number says how many tunings it is past the shipped weights.
    """
    versions = [read_blend_file(WEIGHTS_FILE).provenance["version"]]
    try:
        versions.append(read_blend_file(path).provenance["version"])
    except BlendFileError:
        pass  # nothing (readable) to replace
    protocol = result["protocol"]
    test = result["models"]["hybrid"]
    write_blend_file(path, tuned_blend(result), {
        "version": int(max(versions)) + 1, "command": command, "date": date,
        "dataset": protocol["dataset"], "seed": protocol["seed"],
        "tuned_on": "validation split (80/10/10 per-user random ratio split)",
        "blend_min_z": protocol["blend_min_z"], "neural_in_blend": protocol["neural_in_blend"],
        "test_recall_at_10": test["recall"], "test_ndcg_at_10": test["ndcg"],
        "note": "wish, cold_popularity, mmr_lambda and pool_size are not tuned offline; "
                "they are the engine's values when this file was written"})
