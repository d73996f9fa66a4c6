"""Blend weights are data: the shipped file, its checks, and the file `eval offline` writes."""

from __future__ import annotations

import dataclasses

import pytest
import tomllib

from chatrec.rank.blend import (
    SIGNALS,
    WEIGHTS_FILE,
    BlendConfig,
    BlendFileError,
    read_blend_file,
    write_blend_file,
)
from chatrec_eval.offline import run_offline_eval
from chatrec_eval.offline_weights import tuned_blend, write_tuned_weights

PROVENANCE = {"version": 7, "command": "chatrec eval offline --seed 1", "date": "2026-12-01",
              "dataset": "tiny", "seed": 1}


def test_shipped_weights_are_the_validation_tuned_constants() -> None:
    assert dataclasses.asdict(BlendConfig()) == {
        "popularity": 0.2, "itemknn": 0.2, "userknn": 0.0, "ease": 1.0, "cease": 0.0,
        "content": 0.1,
        "semantic": 0.3, "neural": 2.0, "als": 0.0, "quality": 0.0, "keywords": 1.0,
        "profile": 0.0,
        "wish": 1.0, "cold_popularity": 0.0, "cold_quality": 1.0, "evidence_half": 2.0,
        "mmr_lambda": 0.85, "cold_mmr_lambda": 1.0, "pool_size": 200}
    assert isinstance(BlendConfig().pool_size, int)
    shipped = read_blend_file()
    assert {"version", "command", "date", "dataset", "seed"} <= set(shipped.provenance)
    assert shipped.provenance["dataset"] == "ml-100k" and shipped.provenance["seed"] == 2020
    assert BlendConfig.from_file(WEIGHTS_FILE) == BlendConfig()


def test_a_written_file_reads_back_identically(tmp_path) -> None:
    blend = BlendConfig(neural=3.0, popularity=0.0, mmr_lambda=1.0, pool_size=150)
    path = tmp_path / "sub" / "weights.toml"
    write_blend_file(path, blend, {**PROVENANCE, "note": 'quotes " and\nnewlines survive'})
    assert BlendConfig.from_file(path) == blend
    back = read_blend_file(path).provenance
    assert back["note"] == 'quotes " and\nnewlines survive' and back["version"] == 7


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.replace("neural = 2.0\n", ""), "missing or unknown keys ['neural']"),
    (lambda t: t.replace("[rerank]", "[rerank]\nbogus = 1"), "missing or unknown keys ['bogus']"),
    (lambda t: t.replace("ease = 1.0", 'ease = "one"'), "ease = 'one' is not a number"),
    (lambda t: t.replace("ease = 1.0", "ease = nan"), "is not a number"),
    (lambda t: t.replace("ease = 1.0", "ease = true"), "is not a number"),
    (lambda t: t.replace('dataset = "ml-100k"', ""), "missing dataset"),
    (lambda t: t.replace("[weights]", "[weights"), "cannot read"),
])
def test_a_bad_weights_file_is_named_with_what_is_wrong(tmp_path, edit, message) -> None:
    path = tmp_path / "weights.toml"
    path.write_text(edit(WEIGHTS_FILE.read_text()))
    with pytest.raises(BlendFileError, match="weights.toml") as caught:
        read_blend_file(path)
    assert message in str(caught.value)


def test_a_missing_weights_file_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(BlendFileError, match="cannot read blend weights"):
        read_blend_file(tmp_path / "absent.toml")
    with pytest.raises(BlendFileError, match="need seed"):
        write_blend_file(tmp_path / "w.toml", BlendConfig(),
                         {k: v for k, v in PROVENANCE.items() if k != "seed"})


def test_offline_eval_writes_the_weights_it_chose(tiny_dataset, fake_embedder, tmp_path) -> None:
    vectors = fake_embedder.encode(tiny_dataset.catalog.texts())
    result = run_offline_eval(tiny_dataset, vectors, seed=3)
    path = tmp_path / "tuned.toml"
    write_tuned_weights(path, result, "chatrec eval offline --seed 3", "2026-12-01")
    written = BlendConfig.from_file(path)
    chosen = result["protocol"]["blend"]
    for name in SIGNALS:
        expected = BlendConfig().wish if name == "wish" else chosen.get(name, 0.0)
        assert written.weight(name) == expected, name
    assert (written.mmr_lambda, written.pool_size) == (BlendConfig().mmr_lambda, 200)
    assert written == tuned_blend(result)
    provenance = tomllib.loads(path.read_text())
    shipped = read_blend_file().provenance["version"]
    assert provenance["version"] == shipped + 1 and provenance["seed"] == 3
    assert provenance["command"] == "chatrec eval offline --seed 3"
    assert provenance["dataset"] == tiny_dataset.name
    write_tuned_weights(path, result, "again", "2026-12-02")  # replacing bumps the version
    assert read_blend_file(path).provenance["version"] == shipped + 2
    assert BlendConfig() == BlendConfig.from_file(WEIGHTS_FILE)  # the shipped file untouched
