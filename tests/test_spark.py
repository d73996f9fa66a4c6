"""`chatrec train-spark`: Spark MLlib's ALS factors load into the app and rank like in-process ALS.

One Spark fit in local[2] mode on the ml-100k offline split (seed 2020): the factors go through
the engine cache exactly as `train-spark` writes them, are restored by the app's cache without
a refit, and their test Recall@10 must be within 0.02 of `implicit`'s ALS on the same split.
Skipped, with the reason, when pyspark or a Java runtime is missing.
"""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from chatrec.app import spark as spark_module
from chatrec.app.artifacts import EngineCache
from chatrec.app.spark import SparkALSParams, SparkUnavailable, check_spark, write_factors
from chatrec.candidates.als import ALSSource
from chatrec_eval.metrics import ranking_metrics
from chatrec_eval.offline import make_split, top_items


def spark_or_skip() -> None:
    try:
        check_spark()
    except SparkUnavailable as exc:
        pytest.skip(f"Spark test skipped: {exc}")


def recall_at_10(split, source: ALSSource) -> float:
    users = np.flatnonzero(np.diff(split.test.indptr) > 0)
    scores = np.stack([source.score(split.query(int(u), True)) for u in users])
    seen = split.train + split.valid
    return ranking_metrics(top_items(scores, seen[users]), split.test[users])["recall"]


@pytest.mark.integration
def test_spark_factors_load_and_match_in_process_als(tmp_path, monkeypatch) -> None:
    spark_or_skip()
    from chatrec.domain.loaders import load_dataset

    dataset = load_dataset("ml-100k")
    split = make_split(dataset, None, seed=2020)
    spark = spark_module.spark_session("local[2]")
    try:
        factors = spark_module.spark_item_factors(spark, split.data, SparkALSParams(blocks=2),
                                                  staging=tmp_path)
    finally:
        spark.stop()
    assert factors.shape == (len(dataset.catalog), ALSSource().factors)
    write_factors(tmp_path / "cache", dataset, split.data, factors)
    in_process = ALSSource().fit(split.data)

    def no_refit(self, data):
        raise AssertionError("the app refitted ALS instead of loading the Spark factors")

    monkeypatch.setattr(ALSSource, "fit", no_refit)
    loaded = EngineCache.for_dataset(tmp_path / "cache", dataset).fit(ALSSource(), split.data)
    np.testing.assert_array_equal(loaded.state()["item_factors"], factors)
    spark_recall, own_recall = recall_at_10(split, loaded), recall_at_10(split, in_process)
    print(f"Recall@10 on the ml-100k test split: Spark {spark_recall:.4f}, "
          f"in-process {own_recall:.4f}")
    assert spark_recall > 0.15  # a real model, not noise
    assert abs(spark_recall - own_recall) <= 0.02


def test_train_spark_without_java_says_what_to_install(monkeypatch) -> None:
    from chatrec.app.cli import app

    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    result = CliRunner().invoke(app, ["train-spark", "--data", "ml-100k"])
    assert result.exit_code == 2
    assert "Java runtime" in result.output or "pyspark" in result.output
