"""Large-catalog pieces: sparse item-kNN, ALS fold-in, the IVF index, the vector store, source
selection by catalog size, the synthetic MovieLens writer and the fast ratings loader."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import scipy.sparse as sp

from chatrec.app import resources
from chatrec.app.artifacts import item_vectors
from chatrec.candidates import training_data
from chatrec.candidates.als import ALSSource, normal_equations
from chatrec.candidates.base import LARGE_CATALOG_ITEMS, Query, implicit
from chatrec.candidates.itemknn import pruned_cosine
from chatrec.candidates.semantic import SemanticSource
from chatrec.candidates.vector_index import ExactIndex, IVFIndex
from chatrec.domain import loaders
from chatrec.domain.catalog import build_catalog
from chatrec.domain.loaders import load_dataset
from chatrec.models.embedder import l2_normalize
from chatrec.rank.blend import normalise
from chatrec_eval.synthetic import synthetic_dataset, synthetic_records, write_movielens


def test_pruned_cosine_keeps_each_columns_k_largest_similarities() -> None:
    rng = np.random.default_rng(0)
    binary = sp.csr_matrix((rng.random((300, 60)) < 0.2).astype(np.float32))
    k = 7
    sim = pruned_cosine(binary, k).toarray()
    dense = binary.T @ binary
    dense = np.asarray(dense.toarray() if sp.issparse(dense) else dense)
    norms = np.sqrt(np.diag(dense))
    cosine = dense / np.outer(norms, norms)
    np.fill_diagonal(cosine, 0.0)
    assert np.diag(sim).max() == 0.0
    for j in range(cosine.shape[1]):  # compare values, so ties at the cut cannot matter
        kept = np.sort(sim[:, j][sim[:, j] > 0])[::-1]
        np.testing.assert_allclose(kept, np.sort(cosine[:, j])[::-1][:k], rtol=1e-5)


def test_als_fold_in_reproduces_the_training_user_factors() -> None:
    from implicit.cpu.als import AlternatingLeastSquares

    data = training_data(synthetic_dataset(300, 6000, seed=1))
    matrix = implicit(data.ratings)
    model = AlternatingLeastSquares(factors=8, regularization=5.0, alpha=10.0, iterations=10,
                                    random_state=0, use_cg=False)
    model.fit(matrix, show_progress=False)
    items = model.item_factors
    gram = items.T.astype(np.float64) @ items
    for user in (0, 5, 17):
        history = matrix[user].indices
        a, b = normal_equations(items, gram, history, np.full(history.size, 10.0), 5.0)
        expected = model.recalculate_user(user, matrix[user])  # against the final items
        np.testing.assert_allclose(np.linalg.solve(a, b), expected, rtol=1e-3, atol=1e-4)


def test_als_evidence_shares_add_up_to_the_score(tiny_dataset) -> None:
    data = training_data(tiny_dataset)
    source = ALSSource(factors=4, regularization=1.0, iterations=5).fit(data)
    query = Query(history=np.array([0, 2, 8]))
    scores = source.score(query)
    items = np.array([1, 9])
    history, confidence, a, _ = source._system(query)
    rows = source._items[history].astype(np.float64)
    shares = np.linalg.solve(a, rows.T).T * confidence[:, None] @ source._items[items].T
    np.testing.assert_allclose(shares.sum(axis=0), scores[items], rtol=1e-4, atol=1e-5)
    assert all(ev["because"] for ev in source.evidence(query, items))


@pytest.fixture(scope="module")
def clustered() -> np.ndarray:
    """5000 unit vectors around 40 directions: the structure real embeddings have."""
    rng = np.random.default_rng(3)
    centres = rng.standard_normal((40, 64)).astype(np.float32)
    labels = rng.integers(40, size=5000)
    return l2_normalize(centres[labels] + 0.6 * rng.standard_normal((5000, 64)).astype(
        np.float32))


def test_ivf_index_retrieves_the_top_and_keeps_the_score_scale(clustered) -> None:
    ivf, exact = IVFIndex(clustered), ExactIndex(clustered)
    rng = np.random.default_rng(4)
    allowed = np.ones(len(clustered), dtype=bool)
    for _ in range(20):
        query = l2_normalize(clustered[rng.integers(len(clustered), size=3)].mean(axis=0))
        a, b = exact.scores(query), ivf.scores(query)
        top = np.argsort(-a)[:20]
        assert len(set(top) & set(np.argsort(-b)[:20])) >= 16
        assert b.std() == pytest.approx(a.std(), rel=0.1)
        assert b.mean() == pytest.approx(a.mean(), abs=0.1 * float(a.std()))
        za, zb = normalise(a, allowed), normalise(b, allowed)
        assert np.median(zb[top] / za[top]) == pytest.approx(1.0, rel=0.15)
        best = np.argsort(-b)[:ivf.k // 2]  # the best are retrieved items, never estimates
        np.testing.assert_allclose(b[best], a[best], atol=1e-5)


def test_ivf_index_restores_from_its_state(clustered) -> None:
    first = IVFIndex(clustered)
    again = IVFIndex(clustered, state=first.state())
    query = clustered[7]
    np.testing.assert_array_equal(first.scores(query), again.scores(query))
    with pytest.raises(ValueError, match="items"):
        IVFIndex(clustered[:100], state=first.state())


def test_semantic_source_switches_to_the_index_on_large_catalogs(clustered) -> None:
    records = [{"item_id": str(i), "title": f"t{i}", "year": 2000, "genres": ["Drama"]}
               for i in range(len(clustered))]
    data = dataclasses.replace(training_data(synthetic_dataset(len(clustered), 20_000)),
                               catalog=build_catalog(records), item_vectors=clustered)
    assert isinstance(SemanticSource().fit(data).index, ExactIndex)  # 5000 < threshold
    approx = SemanticSource(approximate=True).fit(data)
    assert isinstance(approx.index, IVFIndex)
    query = Query(history=np.array([1, 2]), text_vector=clustered[3], text="a wish")
    exact = SemanticSource().fit(data)
    best = np.argsort(-exact.score(query))[:10]
    assert len(set(best) & set(np.argsort(-approx.score(query))[:10])) >= 8
    assert approx.evidence(query, best) == exact.evidence(query, best)  # evidence is exact


def test_engine_config_switches_sources_at_the_threshold() -> None:
    small = resources.engine_config(LARGE_CATALOG_ITEMS - 1)
    large = resources.engine_config(LARGE_CATALOG_ITEMS)
    assert {"ease", "neural", "userknn"} <= set(small.sources) and "als" not in small.sources
    assert "als" in large.sources and not {"ease", "neural", "userknn"} & set(large.sources)
    assert large.blend.als == small.blend.ease and large.blend.ease == 0.0


class CountingEmbedder:
    def __init__(self, inner) -> None:
        self.inner, self.texts = inner, []
        self.name, self.dim = inner.name, inner.dim

    def encode(self, texts):
        self.texts += list(texts)
        return self.inner.encode(texts)


def test_only_new_or_changed_items_are_embedded_again(tmp_path, tiny_dataset,
                                                      fake_embedder) -> None:
    counter = CountingEmbedder(fake_embedder)
    first = item_vectors(tiny_dataset, "hashing", tmp_path, lambda: counter, False)
    assert first.embedded == 12 and len(counter.texts) == 12
    titles = list(tiny_dataset.catalog.titles)
    titles[4] = "Alien: Director's Cut"
    changed = dataclasses.replace(tiny_dataset, fingerprint="changed", catalog=dataclasses.replace(
        tiny_dataset.catalog, titles=tuple(titles)))
    counter.texts.clear()
    second = item_vectors(changed, "hashing", tmp_path, lambda: counter, False)
    assert second.embedded == 1 and counter.texts == [changed.catalog.text(4)]
    unchanged = np.arange(12) != 4
    np.testing.assert_array_equal(second.vectors[unchanged], first.vectors[unchanged])
    np.testing.assert_allclose(second.vectors[4], fake_embedder.encode(counter.texts)[0])
    third = item_vectors(tiny_dataset, "hashing", tmp_path, lambda: counter, False)
    assert third.embedded == 0  # the old title is still in the store
    np.testing.assert_array_equal(third.vectors, first.vectors)


def test_synthetic_movielens_folder_loads_and_shares_its_catalog(tmp_path) -> None:
    small = load_dataset(str(write_movielens(tmp_path / "a", 2000, 5_000)))
    large = load_dataset(str(write_movielens(tmp_path / "b", 2000, 20_000)))
    assert len(small.catalog) == len(large.catalog) == 2000
    assert len(small.interactions) == 5_000 and len(large.interactions) == 20_000
    assert small.catalog.texts() == large.catalog.texts()  # one vector store serves both
    assert len(small.user_ids) == 5_000 // 154
    assert small.catalog.tags[0] == (synthetic_records(2000)[0]["tags"][0],)


def test_numeric_ratings_path_matches_the_checked_one(tmp_path, monkeypatch) -> None:
    folder = write_movielens(tmp_path / "m", 300, 3_000)
    fast = load_dataset(str(folder))
    monkeypatch.setattr(loaders, "_numeric_ratings", lambda *args: None)
    slow = load_dataset(str(folder))
    for column in ("user", "item", "rating", "timestamp"):
        assert fast.interactions[column].tolist() == slow.interactions[column].tolist()


def test_bad_rating_still_names_its_line(tmp_path) -> None:
    folder = write_movielens(tmp_path / "m", 100, 500)
    lines = (folder / "ratings.csv").read_text().splitlines()
    lines[3] = lines[3].rsplit(",", 2)[0] + ",lots,12345"
    (folder / "ratings.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(loaders.CatalogError, match="line 4"):
        load_dataset(str(folder))


@pytest.mark.integration
def test_scale_bench_runs_prepare_and_turns_in_fresh_processes(tmp_path) -> None:
    from chatrec_eval.scale_bench import format_scale_bench, run_scale_bench

    result = run_scale_bench(sizes=(4_000,), n_items=500, fit_items=(400,), turns=6,
                             embedder="hashing", threads=1, workdir=tmp_path,
                             fit_sources=("als",))
    (row,) = result["rows"]
    assert row["n_ratings"] == 4_000 and row["prepare"]["items_embedded"] == 500
    assert row["prepare_again"]["items_embedded"] == 0  # the second prepare is a no-op
    assert row["prepare_again"]["total_s"] < row["prepare"]["total_s"]
    assert row["serve"]["turn"]["n"] == 6 and row["serve"]["turn"]["p95_ms"] > 0
    assert "ease" in row["serve"]["sources"]  # 500 items: the small-catalog engine
    assert result["fits"][0]["source"] == "als" and result["fits"][0]["fit_s"] > 0
    assert result["targets"]["turn_p95_ms"]["limit"] == 100.0
    assert "goal prepare_s" in format_scale_bench(result)
