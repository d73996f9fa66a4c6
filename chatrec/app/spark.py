"""`chatrec train-spark`: the ALS item factors trained by Spark MLlib, written where the app
loads them, so that serving needs neither Spark nor a refit.

The interactions are the app's own (`candidates.training_data`: every rating a positive), staged
as a CSV of (user, item) indices that Spark reads; on a cluster, ``staging`` must be a folder
the executors can read (HDFS, S3 or a shared mount). Spark's implicit ALS differs from
``implicit``'s in two conventions, mapped here: its confidence is 1 + alpha * r (``implicit``:
alpha * r), and it scales ``regParam`` by each user's and item's number of ratings. The factors
land in the engine cache folder of the default `ALSSource` for this dataset, exactly where an
in-process fit would have put them.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from chatrec.app.artifacts import EngineCache
from chatrec.app.settings import Settings
from chatrec.candidates import training_data
from chatrec.candidates.als import ALSSource
from chatrec.candidates.base import TrainingData, implicit
from chatrec.domain.catalog import Dataset
from chatrec.domain.loaders import load_dataset

log = logging.getLogger(__name__)


class SparkUnavailable(RuntimeError):
    """pyspark or Java is missing; the message says what to install."""


@dataclass(frozen=True)
class SparkALSParams:
    """Spark ALS settings; ``alpha`` and ``reg_param`` in Spark's own conventions."""

    rank: int = ALSSource().factors
    max_iter: int = 15
    reg_param: float = 0.3  # x ratings per user/item: ~50 at ml-100k's averages, as in-process
    alpha: float = ALSSource().alpha - 1.0  # Spark's 1 + alpha*r == implicit's alpha*r at r=1
    blocks: int = 10  # Spark's default user and item blocks; fewer suit local mode
    seed: int = 0


def check_spark() -> None:
    """Raise `SparkUnavailable` naming the missing piece (pyspark or a Java runtime)."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise SparkUnavailable("pyspark is not installed: pip install 'chatrec[spark]'") from None
    java_home = os.environ.get("JAVA_HOME")
    if not shutil.which("java") and not (java_home and Path(java_home, "bin", "java").exists()):
        raise SparkUnavailable("Spark needs a Java runtime (17 or newer), e.g. Debian's "
                               "openjdk-17-jre-headless; none is on PATH or in JAVA_HOME")


def spark_session(master: str, app_name: str = "chatrec-train-spark"):
    """A SparkSession on ``master``; in local mode it binds to the loopback address only."""
    check_spark()
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master(master).appName(app_name) \
        .config("spark.ui.enabled", "false") \
        .config("spark.ui.showConsoleProgress", "false") \
        .config("spark.sql.shuffle.partitions", "8") \
        .config("spark.driver.extraJavaOptions", "-Xss16m") \
        .config("spark.executor.extraJavaOptions", "-Xss16m")
    # ALS's iterations build a deep RDD lineage; the JVM's default thread stack overflowed
    # on it once in a fresh-clone test run (java.lang.StackOverflowError), so allow more.
    if master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = builder.config("spark.driver.host", "127.0.0.1") \
            .config("spark.driver.bindAddress", "127.0.0.1")
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def stage_interactions(data: TrainingData, folder: Path) -> Path:
    """Write the positives as ``user,item`` index pairs (CSV) for Spark to read."""
    coo = implicit(data.ratings).tocoo()
    path = folder / "interactions.csv"
    pd.DataFrame({"user": coo.row, "item": coo.col}).to_csv(path, index=False, header=False)
    return path


def spark_item_factors(spark, data: TrainingData, params: SparkALSParams = SparkALSParams(),
                       staging: str | Path | None = None) -> np.ndarray:
    """Item factors (n_items x rank, float32) from Spark's implicit ALS on ``data``.

    Items nobody rated get zero factors (they score 0, as with no evidence at all).
    """
    from pyspark.ml.recommendation import ALS
    from pyspark.sql import functions as F
    from pyspark.sql.types import IntegerType, StructField, StructType

    schema = StructType([StructField("user", IntegerType()), StructField("item", IntegerType())])
    with tempfile.TemporaryDirectory(prefix="chatrec-spark-", dir=staging) as tmp:
        path = stage_interactions(data, Path(tmp))
        frame = spark.read.csv(str(path), schema=schema).withColumn("rating", F.lit(1.0))
        als = ALS(rank=params.rank, maxIter=params.max_iter, regParam=params.reg_param,
                  alpha=params.alpha, implicitPrefs=True, seed=params.seed, userCol="user",
                  itemCol="item", ratingCol="rating", numUserBlocks=params.blocks,
                  numItemBlocks=params.blocks)
        rows = als.fit(frame).itemFactors.collect()
    factors = np.zeros((data.ratings.shape[1], params.rank), dtype=np.float32)
    for row in rows:  # one row per rated item: n_items, not n_ratings
        factors[row["id"]] = row["features"]
    return factors


def write_factors(cache_dir: str | Path, dataset: Dataset, data: TrainingData,
                  factors: np.ndarray) -> Path:
    """Save item factors as the cached state of the `ALSSource` the app would fit on ``data``.

    The factors are loaded once first, so a table the app could not use is refused here.
    """
    source = ALSSource(factors=factors.shape[1])
    folder = EngineCache.for_dataset(cache_dir, dataset).folder(source, data)
    source.load_state(data, {"item_factors": factors})
    folder.save_all(source.state())
    return folder.folder


def train_spark(settings: Settings, master: str = "local[*]",
                params: SparkALSParams = SparkALSParams(),
                staging: str | Path | None = None) -> Path:
    """Train on the settings' dataset and write the factors to its engine cache; the folder."""
    check_spark()
    dataset = load_dataset(settings.data)
    data = training_data(dataset)
    spark = spark_session(master)
    try:
        factors = spark_item_factors(spark, data, params, staging)
    finally:
        spark.stop()
    folder = write_factors(settings.cache_dir, dataset, data, factors)
    log.info("wrote Spark ALS factors for %s to %s", dataset.name, folder)
    return folder
