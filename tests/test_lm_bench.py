"""The backend comparison's pieces: real prompts, the worker's runs, the summary and table."""

from __future__ import annotations

from test_grounded import PromptAwareLM
from test_recommender import build

from chatrec.reply.gate import LeadInGate
from chatrec_eval.lm_backends import (
    build_bench_prompts,
    format_backend_comparison,
    summarise_backend,
)
from chatrec_eval.lm_worker import raw_run, writer_runs


def test_prompts_are_real_turns_with_their_facts(tiny_dataset, fake_embedder, tmp_path) -> None:
    rec = build(tiny_dataset, fake_embedder, tmp_path / "bench.db")
    writer = rec.policy.lead_in
    prompts = build_bench_prompts(rec, n=6)
    assert rec.policy.lead_in is writer  # the recorder is removed again
    assert prompts and all(p["picks"] and p["fallback"] for p in prompts)
    for prompt in prompts:
        assert all(tiny_dataset.catalog.has(item_id) for item_id, _ in prompt["picks"])
        assert all(tiny_dataset.catalog.has(item_id) for item_id in prompt["liked"])


def test_worker_runs_and_summary(tiny_dataset, fake_embedder, tmp_path) -> None:
    rec = build(tiny_dataset, fake_embedder, tmp_path / "bench.db")
    prompts = build_bench_prompts(rec, n=4)
    catalog = tiny_dataset.catalog
    first = catalog.titles[catalog.index_of(prompts[0]["picks"][0][0])]
    lm = PromptAwareLM(f"{first} is a pick. Anything else?")
    gate = LeadInGate(catalog)
    raw = [raw_run(lm, p["message"], 40) for p in prompts]
    assert all(r["text"].strip() == lm.lead_in and r["tokens"] is None for r in raw)
    runs = {mode: writer_runs(lm, gate, catalog, prompts, mode, 1.8, 40)
            for mode in ("lead-in", "grounded")}
    assert {r["source"] for r in runs["lead-in"]} == {"lm"}
    for r in raw:
        r["tokens"] = len(r["text"].split())
    summary = summarise_backend({"lm": "fake", "load_s": 0.1, "rss_before_lm_mb": 100.0,
                                 "rss_loaded_mb": 150.0, "rss_end_mb": 151.0,
                                 "peak_rss_mb": 160.0, "cold_first_s": 0.2, "raw": raw,
                                 "writer": runs}, max_new_tokens=40)
    assert summary["lm_rss_mb"] == 51.0 and summary["stopped_before_limit"] == len(prompts)
    assert summary["lead-in"]["accepted"] == len(prompts)
    assert sum(summary["grounded"]["paths"].values()) == len(prompts)
    table = format_backend_comparison({"backends": {"fake": summary}})
    assert table.count("| fake |") == 3  # speed row, lead-in row, grounded row
