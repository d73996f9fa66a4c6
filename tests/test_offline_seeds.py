"""`chatrec eval offline --seeds`: one run per split seed, means, spreads and the paired margin."""

from __future__ import annotations

import json

import pytest

from chatrec_eval.metrics import METRICS
from chatrec_eval.offline_seeds import (
    aggregate_runs,
    beats_noise,
    format_seeds_table,
    parse_seeds,
    run_offline_seeds,
)


def fake_run(seed: int, hybrid: float, ease: float) -> dict:
    """A single-seed result with the two models, every metric at one value."""
    def row(value: float) -> dict:
        return {**dict.fromkeys(METRICS, value), "fit_s": 1.0, "score_ms_per_user": 0.5}
    return {"protocol": {"seed": seed, "blend": {"ease": 1.0}, "ease_lambda": 200.0},
            "models": {"hybrid": row(hybrid), "ease": row(ease)}}


def test_parse_seeds_accepts_lists_and_names_bad_input():
    assert parse_seeds("2020, 2021,2022") == (2020, 2021, 2022)
    with pytest.raises(ValueError, match="integers"):
        parse_seeds("2020,x")
    with pytest.raises(ValueError, match="no repeats"):
        parse_seeds("1,1")


def test_aggregate_averages_every_model_and_keeps_each_seed():
    runs = [fake_run(1, 0.30, 0.28), fake_run(2, 0.34, 0.31), fake_run(3, 0.32, 0.30)]
    got = aggregate_runs(runs)
    assert got["protocol"]["seeds"] == [1, 2, 3]
    assert got["models"]["hybrid"]["ndcg"] == pytest.approx(0.32)
    assert got["spread"]["hybrid"]["ndcg"]["std"] == pytest.approx(0.02)
    assert got["spread"]["ease"]["recall"]["min"] == pytest.approx(0.28)
    assert got["margin"]["ndcg"]["per_seed"] == pytest.approx([0.02, 0.03, 0.02])
    assert got["margin"]["ndcg"]["mean"] == pytest.approx(0.07 / 3)
    assert set(got["per_seed"]) == {"1", "2", "3"}
    assert "hybrid - ease ndcg@10" in format_seeds_table(got)


def test_a_margin_within_the_split_noise_does_not_count():
    # EASE moves by 0.015 from split to split; a 0.005 margin is inside that noise.
    baseline = {"std": 0.015}
    assert not beats_noise([0.005, 0.006, 0.004], baseline)
    assert not beats_noise([0.05, -0.001, 0.04], {"std": 0.0})  # one seed loses
    assert beats_noise([0.02, 0.021, 0.019], baseline)


def test_run_offline_seeds_writes_the_aggregate(tiny_dataset, tmp_path):
    path = tmp_path / "seeds.json"
    result, runs = run_offline_seeds(tiny_dataset, None, (3, 4), json_path=path)
    assert [run["protocol"]["seed"] for run in runs] == [3, 4]
    assert json.loads(path.read_text())["protocol"]["seeds"] == [3, 4]
    ease = [run["models"]["ease"]["recall"] for run in runs]
    assert result["models"]["ease"]["recall"] == pytest.approx(sum(ease) / 2)


def test_report_states_the_seed_spread_and_whether_the_margin_beats_it():
    from chatrec_eval.report import seed_spread

    runs = [fake_run(1, 0.30, 0.28), fake_run(2, 0.34, 0.31), fake_run(3, 0.32, 0.30)]
    text = "\n".join(seed_spread(aggregate_runs(runs)))
    assert "3 split seeds (1, 2, 3)" in text
    assert "ndcg@10: hybrid 0.3200 ± 0.0200" in text and "beyond the split noise" in text
    assert seed_spread(runs[0]) == []  # a single-seed file has no spread to state
