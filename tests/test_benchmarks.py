"""Benchmark helpers: synthetic catalogs, percentiles, growth fits, the turn bench, the report."""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_recommender import build

from chatrec_eval.report import md_table, write_report
from chatrec_eval.scale_bench import fit_growth
from chatrec_eval.synthetic import synthetic_dataset, synthetic_item_vectors
from chatrec_eval.turn_bench import (
    README_MESSAGE,
    STAGES,
    bench_messages,
    percentiles,
    run_turn_bench,
)


def test_synthetic_dataset_is_deterministic_and_sized() -> None:
    a = synthetic_dataset(2000, 20_000, seed=3)
    b = synthetic_dataset(2000, 20_000, seed=3)
    assert len(a.catalog) == 2000 and len(a.interactions) == 20_000
    assert a.interactions.equals(b.interactions) and a.catalog.genres == b.catalog.genres
    assert not a.interactions.duplicated(["user", "item"]).any()
    assert set(a.interactions["rating"].unique()) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    assert all(a.catalog.genres) and (a.catalog.years >= 1920).all()
    assert not synthetic_dataset(2000, 20_000, seed=4).interactions.equals(a.interactions)


def test_synthetic_popularity_follows_a_power_law() -> None:
    data = synthetic_dataset(5000, 50_000, seed=0)
    counts = np.sort(np.bincount(data.interactions["item"], minlength=5000))[::-1]
    ranks = np.arange(1, counts.size + 1)
    body = (ranks >= 10) & (ranks <= 500)  # below the head, which saturates at one per user
    slope = np.polyfit(np.log(ranks[body]), np.log(counts[body]), 1)[0]
    assert -1.2 < slope < -0.5
    assert counts[:50].sum() > 0.1 * counts.sum()  # the top 1% of items: >10% of ratings


def test_synthetic_item_vectors_are_unit_length() -> None:
    vectors = synthetic_item_vectors(100, dim=384, seed=1)
    assert vectors.shape == (100, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_percentiles_on_hand_made_numbers() -> None:
    summary = percentiles([0.001 * v for v in range(1, 101)], scale=1000, suffix="_ms")
    assert summary["p50_ms"] == pytest.approx(50.5)
    assert summary["p95_ms"] == pytest.approx(95.05)
    assert summary["max_ms"] == pytest.approx(100.0) and summary["n"] == 100
    assert percentiles([], suffix="_s") == {"p50_s": None, "p95_s": None, "mean_s": None,
                                            "max_s": None, "n": 0}


def test_growth_fit_recovers_the_exponent() -> None:
    n = [1000, 10_000, 100_000]
    fit = fit_growth(n, [2.0 * x**0.5 for x in n])
    assert fit["exponent"] == pytest.approx(0.5) and fit["coefficient"] == pytest.approx(2.0)
    assert fit["r2"] == pytest.approx(1.0)
    assert fit_growth([5], [1.0])["exponent"] is None


def test_turn_bench_reports_every_stage(tiny_dataset, fake_embedder, tmp_path) -> None:
    rec = build(tiny_dataset, fake_embedder, tmp_path / "bench.db")
    result = run_turn_bench(rec, turns=12, per_user=4)
    assert set(result["stages"]) == {*STAGES, "other"}
    assert result["turn"]["n"] == 12 and result["users"] == 3
    assert result["turn"]["p95_ms"] >= result["turn"]["p50_ms"] > 0
    assert result["stages"]["candidates"]["p50_ms"] > 0
    assert result["lm"] == "none" and "turn_p95_ms_no_lm" in result["targets"]
    assert result["first_token"]["n"] == 0


def test_turn_bench_times_the_query_stage_and_sends_the_readme_message(
        tiny_dataset, fake_embedder, tmp_path) -> None:
    messages = bench_messages(1000)
    assert README_MESSAGE in messages and len(set(messages)) > 50
    assert messages == bench_messages(1000) != bench_messages(1000, seed=1)
    rec = build(tiny_dataset, fake_embedder, tmp_path / "bench.db")
    result = run_turn_bench(rec, turns=8, per_user=4)
    assert "query" in STAGES and result["stages"]["query"]["p50_ms"] > 0
    stages = result["stages"]  # every stage and "other" add up to the whole turn, on average
    assert sum(b["mean_ms"] for b in stages.values()) == pytest.approx(
        result["turn"]["mean_ms"], rel=1e-6)


def fake_results(folder) -> None:
    """Small stand-ins for every JSON file the report reads."""
    stage = {"p50_ms": 1.0, "p95_ms": 2.0, "mean_ms": 1.2, "max_ms": 3.0, "n": 4}
    seconds = {"p50_s": 0.3, "p95_s": 0.4, "mean_s": 0.3, "max_s": 0.5, "n": 4}
    turn = {"lm": "none", "turns": 4, "users": 1, "stages": {s: stage for s in STAGES},
            "turn": stage, "feedback": stage, "first_token": seconds, "lm_reply": seconds,
            "lm_sentence_used": 0, "command": "chatrec bench turn --lm none",
            "targets": {"turn_p95_ms_no_lm": {"p95": 2.0, "limit": 60.0, "met": True}},
            "machine": {"cpu": "Test CPU", "cores": 2, "ram_gb": 8.0, "python": "3.11",
                        "torch": "2.0", "load_average": [0.1, 0.1, 0.1], "date": "today"}}
    run = {"sr_at_turn": [0.1, 0.2], "ndcg_at_turn": [0.05, 0.1], "avg_turns": 1.5,
           "ci95": {"sr_at_turn": [[0.0, 0.2], [0.1, 0.3]]}}
    chat = {"protocol": {"users": 10, "turns": 2, "dataset": "tiny"},
            "modes": {"cold": {"runs": {"full": run, "pop_filter": run}}}}
    offline = {"protocol": {"dataset": "tiny"},
               "models": {"ease": {"recall": 0.2, "ndcg": 0.3, "fit_s": 0.5}}}
    rows = [{"n_ratings": n, "n_items": 600, "write_s": 1.0,
             "prepare": {"total_s": n / 1e4, "item_vectors_s": 1.0, "engine_s": n / 2e4,
                         "peak_rss_mb": 100.0 + n / 1e3},
             "prepare_again": {"total_s": 0.5},
             "serve": {"peak_rss_mb": 200.0, "turn": {"p50_ms": 5.0, "p95_ms": 9.0}}}
            for n in (10_000, 100_000)]
    fits = [{"source": "als", "n_items": n, "n_ratings": 100 * n, "fit_s": n / 1000,
             "peak_rss_mb": 50.0} for n in (1000, 10_000)]
    scale = {"rows": rows[:1], "fits": fits}
    scale_more = {"rows": rows[1:], "fits": []}
    for name, data in {"turn_none": turn, "chat_ml-100k": chat, "offline_ml-100k": offline,
                       "scale_small": scale, "scale_big": scale_more}.items():
        (folder / f"{name}.json").write_text(json.dumps(data))


def test_report_renders_tables_and_plots(tmp_path) -> None:
    results = tmp_path / "results"
    results.mkdir()
    fake_results(results)
    path = write_report(results, tmp_path / "docs" / "benchmarks.md")
    text = path.read_text()
    assert "| run | t1 | t2 |" in text and "| ease |" in text
    assert "chatrec bench turn --lm none" in text and "Test CPU, 2 cores" in text
    assert "n_items^1.00" in text
    assert "prepare_s ~ n_ratings^1.00" in text and "| 100000 | 600 |" in text
    for image in ("chat_sr_per_turn.png", "latency_per_stage.png", "latency_vs_catalog.png"):
        assert f"]({image})" in text and (path.parent / image).stat().st_size > 1000
    assert "Not run yet: `chatrec bench startup" in text  # a missing file says how to make it


def test_report_lists_every_nlu_file_and_judges_the_frozen_one(tmp_path) -> None:
    results = tmp_path / "results"
    results.mkdir()
    slots = {"title": {"precision": 0.98, "recall": 0.91}, "era": {"precision": 0.8, "recall": 1}}
    dialogue = {"dead_ends": 0, "wants_picks": 40, "not_seen_stored_as_dislike": 0,
                "wrong_verdicts_stored": 3}
    held = {"n": 300, "intent_accuracy": 0.96, "reaction_act_accuracy": 0.85, "frozen": True,
            "per_slot": slots, "dialogue": dialogue}
    dev = {"n": 50, "intent_accuracy": 0.5, "reaction_act_accuracy": 1.0, "per_slot": {}}
    (results / "nlu.json").write_text(json.dumps(
        {"files": {"tests/dev9.jsonl": dev, "tests/held.jsonl": held}}))
    text = write_report(results, tmp_path / "docs" / "benchmarks.md").read_text()
    assert "| held.jsonl (frozen) | 300 | 0.960 | 0.850 | 0.98 / 0.91 |" in text
    assert "| dev9.jsonl | 50 | 0.500 | 1.00 | – |" in text
    assert "| nlu_intent_accuracy | 0.960 | 0.950 | met | nlu |" in text
    assert "| nlu_reaction_acts | 0.850 | 0.900 | **missed** | nlu |" in text
    assert "| nlu_title_recall | 0.910 | 0.950 | **missed** | nlu |" in text
    assert "| nlu_dead_ends | 0 | 0 | met | nlu |" in text


def test_md_table_formats_cells() -> None:
    table = md_table(["a", "b"], [[0.123456, None], [12.345, 1234.5]])
    assert table.splitlines() == ["| a | b |", "|---|---|", "| 0.123 | – |", "| 12.3 | 1234 |"]


def test_parse_bench_times_the_real_catalog_and_each_synthetic_size() -> None:
    from chatrec.models.embedder import HashingEmbedder
    from chatrec_eval.parse_bench import format_parse_bench, run_parse_bench

    result = run_parse_bench(HashingEmbedder(), sizes=(400,), n_messages=25)
    assert [r["catalog"] for r in result["rows"]] == ["ml-100k", "synthetic-400"]
    assert [r["titles"] for r in result["rows"]] == [1682, 400]
    assert all(r["parse"]["n"] == 25 and r["parse"]["p95_ms"] > 0 for r in result["rows"])
    assert "| synthetic-400 | 400 |" in format_parse_bench(result)
