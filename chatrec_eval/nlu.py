"""NLU evaluation: intent accuracy and slot precision/recall/F1 on labelled utterances.

`run_nlu_files` reports every file separately: schema-v1 files (this module) and schema-v2
files (`chatrec_eval.nlu_v2`, with reactions and context), each also played through a real
recommender for dead ends and what gets stored (`chatrec_eval.nlu_dialogue`).

Each line of a schema-v1 JSONL file is ``{"text", "intent", "slots"}`` where slots may hold
``genres_in``, ``genres_out``, ``year_min``, ``year_max``, ``liked``, ``disliked``, ``targets``
(catalog display titles), ``ref`` (positions), ``ref_liked`` and ``why_not``. Slots are scored
micro-averaged over (slot, value) pairs; a slot left out of a label means "not stated".
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

from chatrec.domain.catalog import Catalog, Dataset
from chatrec.models.embedder import Embedder
from chatrec.understand.parse import ParsedMessage, Parser
from chatrec_eval.nlu_dialogue import run_dialogue
from chatrec_eval.nlu_v2 import is_frozen, score_v2

if TYPE_CHECKING:
    from chatrec import ChatRecommender

DEFAULT_PATH = "tests/data/utterances.jsonl"
DEFAULT_FILES = (DEFAULT_PATH, "tests/data/nlu/dev.jsonl", "tests/data/nlu/dev_questions.jsonl",
                 "tests/data/nlu/dev3.jsonl", "tests/data/nlu/dev4.jsonl",
                 "tests/data/nlu/dev5.jsonl", "tests/data/nlu/dev6.jsonl",
                 "tests/data/nlu/dev7.jsonl", "tests/data/nlu/dev8.jsonl",
                 "tests/data/nlu/dev9.jsonl", "tests/data/nlu/heldout.jsonl")
LIST_SLOTS = ("genres_in", "genres_out", "liked", "disliked", "targets", "ref")
SCALAR_SLOTS = ("year_min", "year_max", "ref_liked", "why_not")


def load_utterances(path: str | Path = DEFAULT_PATH) -> list[dict]:
    """Read the labelled utterances; a malformed line raises naming the file and line."""
    rows = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{number}: not JSON ({exc})") from exc
        if "text" not in row or "intent" not in row:
            raise ValueError(f"{path}:{number}: needs 'text' and 'intent'")
        rows.append(row)
    return rows


def predicted_slots(parsed: ParsedMessage, catalog: Catalog) -> dict:
    """The parse in the label format, with only the slots that apply."""
    delta = parsed.delta
    slots: dict = {
        "genres_in": list(delta.genres_in), "genres_out": list(delta.genres_out),
        "liked": [catalog.titles[i] for i in delta.liked],
        "disliked": [catalog.titles[i] for i in delta.disliked],
        "targets": [catalog.titles[i] for i in parsed.targets], "ref": list(parsed.refs),
        "year_min": delta.year_min, "year_max": delta.year_max,
        "ref_liked": parsed.ref_liked if parsed.refs else None,
        "why_not": True if parsed.why_not else None,
    }
    return {k: v for k, v in slots.items() if v not in (None, [])}


def slot_pairs(slots: dict) -> set[tuple[str, object]]:
    """(slot, value) pairs for micro-averaging; titles compare case-insensitively."""
    pairs: set[tuple[str, object]] = set()
    for name in LIST_SLOTS:
        for value in slots.get(name) or []:
            pairs.add((name, value.lower() if isinstance(value, str) else value))
    for name in SCALAR_SLOTS:
        if slots.get(name) is not None and not (name == "why_not" and not slots[name]):
            pairs.add((name, slots[name]))
    return pairs


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    """Precision, recall and F1 from counts (1.0 when there is nothing to find or claim)."""
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def run_nlu_eval(dataset: Dataset, embedder: Embedder, path: str | Path = DEFAULT_PATH) -> dict:
    """Parse every labelled utterance and score intents and slots against the labels."""
    parser = Parser.from_dataset(dataset, embedder)
    return _score_v1(parser, dataset.catalog, load_utterances(path))


def _score_row(row: dict, parsed: ParsedMessage, catalog: Catalog,
               confusion: dict[str, Counter], counts: dict[str, Counter],
               failures: list[dict]) -> None:
    """Tally one schema-v1 line."""
    gold = slot_pairs(row.get("slots", {}))
    pred = slot_pairs(predicted_slots(parsed, catalog))
    for name, _ in gold & pred:
        counts[name]["tp"] += 1
    for name, _ in pred - gold:
        counts[name]["fp"] += 1
    for name, _ in gold - pred:
        counts[name]["fn"] += 1
    confusion[row["intent"]][str(parsed.intent)] += 1
    if parsed.intent != row["intent"] or gold != pred:
        failures.append({"text": row["text"], "intent": row["intent"],
                         "predicted": str(parsed.intent),
                         "missing": sorted(map(str, gold - pred)),
                         "extra": sorted(map(str, pred - gold))})


def _summary(rows: list[dict], confusion: dict[str, Counter], counts: dict[str, Counter],
             failures: list[dict], elapsed: float, embedder_name: str) -> dict:
    """Assemble the result dict from the tallies."""
    correct = sum(c[intent] for intent, c in confusion.items())
    total = {k: sum(c[k] for c in counts.values()) for k in ("tp", "fp", "fn")}
    overall = _prf(total["tp"], total["fp"], total["fn"])
    return {
        "n": len(rows), "embedder": embedder_name,
        "intent_accuracy": correct / len(rows) if rows else 0.0,
        "slot_precision": overall["precision"], "slot_recall": overall["recall"],
        "slot_f1": overall["f1"],
        "per_intent": {intent: {"n": sum(c.values()), "accuracy": c[intent] / sum(c.values()),
                                "confused_with": {k: v for k, v in c.items() if k != intent}}
                       for intent, c in sorted(confusion.items())},
        "per_slot": {name: {**_prf(c["tp"], c["fp"], c["fn"]), **c}
                     for name, c in sorted(counts.items())},
        "failures": failures,
        "ms_per_message": 1000 * elapsed / len(rows) if rows else 0.0,
    }


def format_nlu_report(result: dict) -> str:
    """A plain-text report: headline figures, per-intent and per-slot tables, failures."""
    lines = [f"NLU eval on {result['n']} utterances (embedder {result['embedder']}, "
             f"{result['ms_per_message']:.1f} ms/message)",
             f"intent accuracy {result['intent_accuracy']:.3f}   slot P "
             f"{result['slot_precision']:.3f} R {result['slot_recall']:.3f} "
             f"F1 {result['slot_f1']:.3f}", "", "intent          n   acc   confused with"]
    for intent, row in result["per_intent"].items():
        confused = ", ".join(f"{k}×{v}" for k, v in row["confused_with"].items())
        lines.append(f"{intent:<14} {row['n']:>3} {row['accuracy']:5.2f}   {confused}")
    lines += ["", "slot            P     R     F1"]
    for name, row in result["per_slot"].items():
        lines.append(f"{name:<12} {row['precision']:5.2f} {row['recall']:5.2f} {row['f1']:5.2f}")
    lines += ["", f"failures ({len(result['failures'])}):"]
    for fail in result["failures"]:
        lines.append(f"  {fail['text']!r}: {fail['intent']} -> {fail['predicted']}"
                     f"{'  missing ' + ', '.join(fail['missing']) if fail['missing'] else ''}"
                     f"{'  extra ' + ', '.join(fail['extra']) if fail['extra'] else ''}")
    return "\n".join(lines)


def is_v2(rows: list[dict]) -> bool:
    """Whether labelled lines follow schema v2 (every line has an ``id``)."""
    return bool(rows) and all("id" in row for row in rows)


def run_nlu_files(rec: ChatRecommender, paths: tuple[str | Path, ...] = DEFAULT_FILES,
                  dialogue: bool = True) -> dict:
    """Score every file separately with the recommender's own parser, and (``dialogue``)
    play each line through the recommender; a frozen file keeps only failure counts."""
    out: dict = {}
    for path in paths:
        rows = load_utterances(path)
        frozen = is_frozen(path)
        if is_v2(rows):
            result = {"schema": 2, **score_v2(rec.parser, rec.catalog, rows)}
        else:
            result = {"schema": 1, **_score_v1(rec.parser, rec.catalog, rows)}
        result["frozen"] = frozen
        if frozen:
            result.pop("failures")
        if dialogue:
            result["dialogue"] = run_dialogue(rec, rows, frozen)
        out[str(path)] = result
    return {"files": out}


def _score_v1(parser: Parser, catalog: Catalog, rows: list[dict]) -> dict:
    """`run_nlu_eval`'s tallies with a given parser."""
    confusion: dict[str, Counter] = defaultdict(Counter)
    counts: dict[str, Counter] = defaultdict(Counter)
    failures, elapsed = [], 0.0
    for row in rows:
        start = time.perf_counter()
        parsed = parser.parse(row["text"])
        elapsed += time.perf_counter() - start
        _score_row(row, parsed, catalog, confusion, counts, failures)
    return _summary(rows, confusion, counts, failures, elapsed, parser.intents.embedder.name)


def format_files_report(result: dict) -> str:
    """Every file's report, one after the other."""
    parts = []
    for path, block in result["files"].items():
        head = f"== {path}" + (" (FROZEN: failure counts only)" if block["frozen"] else "")
        body = format_nlu_report(block) if block["schema"] == 1 else format_v2_report(block)
        dialogue = format_dialogue(block["dialogue"]) if "dialogue" in block else ""
        parts.append("\n".join(p for p in (head, body, dialogue) if p))
    return "\n\n".join(parts)


def format_v2_report(result: dict) -> str:
    """Headline figures, per-slot table, act confusion and failures (kinds only if frozen)."""
    lines = [f"{result['n']} lines: intent accuracy {result['intent_accuracy']:.3f}, "
             f"reaction acts {result['reaction_act_accuracy']:.3f} "
             f"({result['reactions_labelled']} labelled)", "",
             "intent          n   acc   confused with"]
    for intent, row in result["per_intent"].items():
        confused = ", ".join(f"{k}x{v}" for k, v in row["confused_with"].items())
        lines.append(f"{intent:<14} {row['n']:>3} {row['accuracy']:5.2f}   {confused}")
    lines += ["", "slot               P     R    tp  fp  fn"]
    for name, row in result["per_slot"].items():
        lines.append(f"{name:<15} {row['precision']:5.2f} {row['recall']:5.2f} "
                     f"{row['tp']:>4}{row['fp']:>4}{row['fn']:>4}")
    lines += ["", "act confusion (gold -> predicted):"]
    lines += [f"  {act}: " + ", ".join(f"{k}x{v}" for k, v in row.items())
              for act, row in result["act_confusion"].items()]
    lines += ["", "failure kinds: " + ", ".join(f"{k}x{v}" for k, v in
                                               result["failure_kinds"].items())]
    for fail in result.get("failures", []):
        lines.append(f"  {fail['id']} {fail['text']!r}: {fail['intent']} -> {fail['predicted']}"
                     f"{'  missing ' + ', '.join(fail['missing']) if fail['missing'] else ''}"
                     f"{'  extra ' + ', '.join(fail['extra']) if fail['extra'] else ''}")
    return "\n".join(lines)


def format_dialogue(result: dict) -> str:
    """The dialogue-level figures of one file."""
    lines = [f"dialogue: dead ends {result['dead_ends']}/{result['wants_picks']} "
             f"({result['dead_end_rate']:.3f}), unasked clarifications "
             f"{result['unasked_clarify']}, not understood {result['not_understood']}, "
             f"reactions stored right {result['reactions_stored_right']:.3f} of "
             f"{result['reactions_labelled']}, not-seen stored as dislike "
             f"{result['not_seen_stored_as_dislike']}, wrong verdicts stored "
             f"{result['wrong_verdicts_stored']}"]
    for kind, texts in result.get("examples", {}).items():
        lines += [f"  {kind}: {t}" for t in texts]
    return "\n".join(lines)
