"""The LM in understanding, measured: slot precision/recall with and without the LM's delta.

`run_nlu_lm` parses every labelled file twice in one run, with the rule parser alone and with
the same parser plus `chatrec.understand.lm_delta` on one backend, and reports per slot type
the precision and recall of both side by side, and how many (slot, value) pairs the LM added
and how many of those were right. A frozen held-out file gets the same aggregate table (no
lines). `tune_thresholds` sweeps the proposer's thresholds on a development file and refuses a
frozen one.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chatrec.understand.lm_delta import (
    LikelihoodProposer,
    LMDelta,
    Thresholds,
    accepts,
    proposer_for,
    unexplained,
)
from chatrec.understand.parse import Parser
from chatrec_eval.nlu import _score_v1, is_v2, load_utterances
from chatrec_eval.nlu_v2 import (
    context_of,
    is_frozen,
    labels_index,
    parse_context,
    prf,
    score_v2,
)

if TYPE_CHECKING:
    from chatrec import ChatRecommender

SLOTS = {1: ("genres_in", "genres_out", "liked", "disliked", "targets", "year_min",
             "year_max"), 2: ("title", "genre_in", "genre_out", "era")}


def nlu_with_lm(rec: ChatRecommender, lm: str, thresholds: str | None, tune: Path | None,
                files: tuple[str | Path, ...], echo: Callable[[str], object]) -> dict:
    """``chatrec eval nlu --lm``: the side-by-side table, or (``tune``) the threshold grid;
    a bad option or a frozen tuning file raises `ValueError`."""
    from chatrec.app.resources import lm_options
    from chatrec.models.lm import load_language_model

    cut = parse_thresholds(thresholds) if thresholds else None
    model = load_language_model(lm, rec.settings.cache_dir, rec.settings.allow_downloads,
                                lm_options(rec.settings))
    proposer = proposer_for(model, rec.vocabulary, rec.settings.lm_threads, cut)
    if tune is None:
        result = run_nlu_lm(rec, proposer, lm, files)
        echo(format_nlu_lm(result))
        return result
    if not isinstance(proposer, LikelihoodProposer):
        raise ValueError(f"{lm}: only a likelihood-scoring backend has thresholds")
    grid = tune_thresholds(rec, proposer, tune)
    for row in grid:
        echo(f"min_calibrated {row['min_calibrated']:4.1f} min_margin "
             f"{row['min_margin']:3.1f}: right {row['right']:>3} wrong {row['wrong']:>3}")
    return {"tune": str(tune), "grid": grid}


def parse_thresholds(text: str) -> Thresholds:
    """``"3,1"`` -> Thresholds(3.0, 1.0); anything else raises `ValueError` naming the text."""
    try:
        low, margin = (float(part) for part in text.split(","))
    except ValueError:
        raise ValueError(f"--lm-thresholds {text!r}: expected min_calibrated,min_margin "
                         "such as 3,1") from None
    return Thresholds(low, margin)


def with_lm(parser: Parser, proposer: Any) -> Parser:
    """A copy of ``parser`` (same title index and intent model) with the LM delta step."""
    return Parser(parser.vocabulary, parser.titles, parser.intents,
                  lm_delta=LMDelta(proposer, parser.vocabulary))


def score_file(parser: Parser, rec: ChatRecommender, path: str | Path) -> dict:
    """Per-slot counts and overall precision/recall of one parser on one file."""
    rows = load_utterances(path)
    start = time.perf_counter()
    v2 = is_v2(rows)
    result = score_v2(parser, rec.catalog, rows) if v2 else _score_v1(parser, rec.catalog, rows)
    elapsed = time.perf_counter() - start
    per_slot = {k: v for k, v in result["per_slot"].items() if k != "title_lower"}
    total = {k: sum(int(row.get(k, 0)) for row in per_slot.values()) for k in ("tp", "fp", "fn")}
    return {"schema": 2 if v2 else 1, "n": len(rows), "per_slot": per_slot,
            "overall": {**prf(total["tp"], total["fp"], total["fn"]), **total},
            "intent_accuracy": result["intent_accuracy"],
            "ms_per_message": 1000 * elapsed / max(len(rows), 1)}


def run_nlu_lm(rec: ChatRecommender, proposer: Any, backend: str,
               paths: tuple[str | Path, ...]) -> dict:
    """Every file scored without and with the LM delta, side by side."""
    lm_parser = with_lm(rec.parser, proposer)
    files = {}
    for path in paths:
        base, lm = score_file(rec.parser, rec, path), score_file(lm_parser, rec, path)
        added_tp = lm["overall"]["tp"] - base["overall"]["tp"]
        added_fp = lm["overall"]["fp"] - base["overall"]["fp"]
        files[str(path)] = {"frozen": is_frozen(path), "without": base, "with": lm,
                            "added": {"tp": added_tp, "fp": added_fp}}
    return {"backend": backend, "files": files}


def format_nlu_lm(result: dict) -> str:
    """One table per file: P and R per slot without / with the LM, and the LM's additions."""
    lines = [f"LM in understanding: backend {result['backend']}"]
    for path, block in result["files"].items():
        base, lm, added = block["without"], block["with"], block["added"]
        frozen = " (FROZEN: aggregates only)" if block["frozen"] else ""
        lines += ["", f"== {path}{frozen}: {base['n']} lines, ms/message "
                  f"{base['ms_per_message']:.1f} -> {lm['ms_per_message']:.1f}; LM added "
                  f"{added['tp'] + added['fp']} pairs ({added['tp']} right, {added['fp']} wrong)",
                  "slot          P without  P with   R without  R with   tp  fp  fn (with)"]
        names = SLOTS[base["schema"]]
        rows = [(n, base["per_slot"].get(n), lm["per_slot"].get(n)) for n in names]
        rows.append(("ALL slots", base["overall"], lm["overall"]))
        for name, b, w in rows:
            if b is None or w is None:
                continue
            lines.append(f"{name:<13} {b['precision']:9.3f} {w['precision']:6.3f} "
                         f"{b['recall']:10.3f} {w['recall']:6.3f} {w.get('tp', 0):>5}"
                         f"{w.get('fp', 0):>4}{w.get('fn', 0):>4}")
    return "\n".join(lines)


def tune_thresholds(rec: ChatRecommender, proposer: LikelihoodProposer,
                    path: str | Path) -> list[dict]:
    """Added right/wrong genre pairs per (min_calibrated, min_margin) on a development file.

    The scores are computed once per line; each threshold pair is then a lookup. A frozen
    held-out file is refused: thresholds are tuned on development data only.
    """
    if is_frozen(path):
        raise ValueError(f"{path} is a frozen held-out file: tune on a development file")
    lines = _scored_lines(rec, proposer, path)
    grid = []
    for low, margin in itertools.product((0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0),
                                         (0.0, 0.5, 1.0, 2.0, 3.0)):
        thresholds, right, wrong = Thresholds(low, margin), 0, 0
        for ranked, gold, taken in lines:
            if accepts(ranked, thresholds) and ranked[0].value not in taken:
                right += ranked[0].value in gold
                wrong += ranked[0].value not in gold
        grid.append({"min_calibrated": low, "min_margin": margin, "right": right,
                     "wrong": wrong})
    return grid


def _scored_lines(rec: ChatRecommender, proposer: LikelihoodProposer,
                  path: str | Path) -> list[tuple[list, set, set]]:
    """(ranked genres, gold genres_in, genres the rules already hold) per line the LM sees."""
    index, out = labels_index(rec.catalog), []
    for row in load_utterances(path):
        shown, focus = context_of(row)
        parsed = rec.parser.parse(row["text"], parse_context([index[s] for s in shown], focus))
        leftover = unexplained(parsed.wish, rec.vocabulary)  # what the parser's hook passes on
        ranked = proposer.candidates(row["text"], leftover) if leftover else []
        if ranked:
            delta = parsed.delta
            taken = set(delta.genres_in) | set(delta.genres_out) | set(delta.genres_ok)
            out.append((ranked, set(row.get("slots", {}).get("genres_in", [])), taken))
    return out
