"""The NLU evaluation: scoring on a hand-made file, the labelled set's shape, and the real run."""

from __future__ import annotations

import json
import time

import pytest

from chatrec.understand.message import INTENTS
from chatrec_eval.nlu import (
    DEFAULT_PATH,
    LIST_SLOTS,
    SCALAR_SLOTS,
    format_nlu_report,
    load_utterances,
    run_nlu_eval,
    slot_pairs,
)


def write(tmp_path, rows: list[dict]):
    path = tmp_path / "utt.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_scores_intents_and_slots_micro_averaged(tiny_dataset, fake_embedder, tmp_path):
    path = write(tmp_path, [
        {"text": "no horror", "intent": "refine", "slots": {"genres_out": ["Horror"]}},
        {"text": "I loved Fargo", "intent": "like_title", "slots": {"liked": ["Fargo"]}},
        # Wrong on purpose: a wrong intent, a missed slot and an extra one.
        {"text": "something funny", "intent": "refine", "slots": {"genres_in": ["Drama"]}},
    ])
    result = run_nlu_eval(tiny_dataset, fake_embedder, path=path)
    assert result["n"] == 3 and result["intent_accuracy"] == pytest.approx(2 / 3)
    assert result["slot_precision"] == pytest.approx(2 / 3)
    assert result["slot_recall"] == pytest.approx(2 / 3)
    assert result["per_intent"]["refine"]["confused_with"] == {"recommend": 1}
    (failure,) = result["failures"]
    assert failure["text"] == "something funny" and failure["predicted"] == "recommend"
    report = format_nlu_report(result)
    assert "intent accuracy 0.667" in report and "something funny" in report


def test_slot_pairs_ignore_case_and_unstated_flags():
    assert slot_pairs({"liked": ["Fargo"], "why_not": False, "year_min": None}) == {
        ("liked", "fargo")}


def test_malformed_lines_name_the_file_and_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "hi", "intent": "greeting"}\n{oops\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.jsonl:2"):
        load_utterances(path)


def test_labelled_set_is_large_varied_and_well_formed():
    rows = load_utterances(DEFAULT_PATH)
    assert len(rows) >= 250
    assert {r["intent"] for r in rows} == set(INTENTS)
    assert len({r["text"].lower() for r in rows}) == len(rows)
    for row in rows:
        assert row["intent"] in INTENTS
        assert set(row.get("slots", {})) <= set(LIST_SLOTS) | set(SCALAR_SLOTS), row["text"]


@pytest.mark.integration
def test_real_minilm_on_ml100k_meets_the_targets():
    from chatrec.domain.loaders import load_dataset
    from chatrec.models.embedder import minilm_embedder

    start = time.perf_counter()
    dataset = load_dataset("ml-100k")
    titles = {t.lower() for t in dataset.catalog.titles}
    for row in load_utterances(DEFAULT_PATH):
        for name in ("liked", "disliked", "targets"):
            assert all(t.lower() in titles for t in row["slots"].get(name, [])), row["text"]
    result = run_nlu_eval(dataset, minilm_embedder())
    assert result["intent_accuracy"] >= 0.95, format_nlu_report(result)
    assert result["slot_f1"] >= 0.90, format_nlu_report(result)
    assert time.perf_counter() - start < 60
