"""The understanding section of docs/benchmarks.md: `chatrec eval nlu`'s figures per file.

The frozen held-out file carries the issue's targets (intent, title precision and recall,
reaction acts, not-seen never stored as a dislike, no dead ends); development files are listed
beside it for comparison, and their scores are optimistic because rules were tuned on them.
"""

from __future__ import annotations

from pathlib import Path

from chatrec_eval.markdown import md_table

RESULT_NAME = "nlu"  # docs/results/nlu.json, written by `chatrec eval nlu --json ...`

# target -> (where the figure is, the limit, whether the figure must be at least the limit)
HELDOUT_TARGETS: dict[str, tuple[tuple[str, ...], float, bool]] = {
    "nlu_intent_accuracy": (("intent_accuracy",), 0.95, True),
    "nlu_title_precision": (("per_slot", "title", "precision"), 0.95, True),
    "nlu_title_recall": (("per_slot", "title", "recall"), 0.95, True),
    "nlu_reaction_acts": (("reaction_act_accuracy",), 0.90, True),
    "nlu_not_seen_stored_as_dislike": (("dialogue", "not_seen_stored_as_dislike"), 0, False),
    "nlu_dead_ends": (("dialogue", "dead_ends"), 0, False),
}


def _get(result: dict, path: tuple[str, ...]) -> object:
    """The value at ``path`` in nested dicts, or None where a key is missing."""
    for key in path:
        if not isinstance(result, dict) or key not in result:
            return None
        result = result[key]
    return result


def frozen_file(result: dict) -> tuple[str, dict] | None:
    """The (name, figures) of the frozen held-out file in an eval nlu result, if any."""
    return next(((name, f) for name, f in result.get("files", {}).items() if f.get("frozen")),
                None)


def nlu_target_rows(results: dict[str, dict]) -> list[list[object]]:
    """Rows for the targets-at-a-glance table, from the held-out file's figures."""
    held = frozen_file(results.get(RESULT_NAME, {}))
    if held is None:
        return []
    rows = []
    for target, (path, limit, at_least) in HELDOUT_TARGETS.items():
        value = _get(held[1], path)
        if value is None:
            continue
        met = value >= limit if at_least else value <= limit
        rows.append([target, value, limit, "met" if met else "**missed**", RESULT_NAME])
    return rows


def _slot(figures: dict, slot: str) -> str:
    """"P / R" of one slot type, or a dash."""
    p, r = (_get(figures, ("per_slot", slot, k)) for k in ("precision", "recall"))
    return "–" if p is None or r is None else f"{p:.2f} / {r:.2f}"


def _file_row(name: str, figures: dict) -> list[object]:
    dialogue = figures.get("dialogue", {})
    dead = (f"{dialogue['dead_ends']}/{dialogue['wants_picks']}" if "dead_ends" in dialogue
            else None)
    label = Path(name).name + (" (frozen)" if figures.get("frozen") else "")
    return [label, figures.get("n"), figures.get("intent_accuracy"),
            figures.get("reaction_act_accuracy"), _slot(figures, "title"),
            _slot(figures, "genre_in"), _slot(figures, "genre_out"), _slot(figures, "era"),
            dead, dialogue.get("not_seen_stored_as_dislike"),
            dialogue.get("wrong_verdicts_stored")]


def nlu_section(results: dict[str, dict], provenance, missing) -> list[str]:
    """One row per labelled file: intent, reaction acts, slot P/R, dead ends, stored verdicts.

    ``provenance`` and ``missing`` are the report's own helpers (command and machine lines).
    """
    out = ["## Understanding (`chatrec eval nlu`)"]
    if RESULT_NAME not in results:
        return [*out, missing(RESULT_NAME)]
    result = results[RESULT_NAME]
    rows = [_file_row(name, figures) for name, figures in result.get("files", {}).items()]
    headers = ["file", "lines", "intent", "reaction acts", "title P / R", "genre in P / R",
               "genre out P / R", "era P / R", "dead ends", "not seen stored as dislike",
               "wrong verdicts stored"]
    return [*out, provenance(RESULT_NAME, result), md_table(headers, rows),
            "Targets apply to the frozen held-out file; the development files were tuned on "
            "(their scores are optimistic), except for a blind file's first look, kept in "
            "`docs/results/nlu_*_first_look.txt`."]
