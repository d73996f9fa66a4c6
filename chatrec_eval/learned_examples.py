"""Build ``chatrec/understand/learned_examples.jsonl``: the labelled development lines the
learned fallback (``chatrec.understand.learned``) is fitted on, shipped as package data so the
product never reads ``tests/``.

Only development files are read (never ``heldout.jsonl`` nor the blind ``dev10.jsonl``; dev8
and dev9 joined once the rules had been tuned on them). Each
line keeps its text, intent, whether picks were on screen, and its reaction act when every
labelled reaction of the line has the same one ("none" for a line with picks on screen that
reacts to nothing). Labelled catalog titles in the text are replaced by "that one", so the
fallback learns the phrasing around a title, not the film titles of the development catalog.

Run: ``PYTHONPATH=$PWD .venv/bin/python -m chatrec_eval.learned_examples``
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from chatrec.domain.catalog import display_title, split_title_year
from chatrec.models.embedder import minilm_embedder
from chatrec.understand.learned import EXAMPLES_FILE, PLACEHOLDER, load_examples, save_vectors

TRAIN_FILES = ("tests/data/utterances.jsonl",) + tuple(
    f"tests/data/nlu/{name}.jsonl" for name in (
        "dev", "dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8", "dev9", "dev_react",
        "dev_questions", "dev_titles"))


def title_forms(label: str) -> list[str]:
    """The ways a catalog label is written in a line: "Usual Suspects, The
    (1995)" -> "the usual suspects", "usual suspects" (the catalog's own display form, in lower
    case, with and without its leading "the")."""
    bare = display_title(split_title_year(label)[0]).lower()
    forms = {bare, bare[4:] if bare.startswith("the ") else bare}
    return [f for f in forms if len(f) > 2]


def masked(text: str, labels: set[str]) -> str:
    """``text`` with every labelled title it spells out replaced by the placeholder, longest
    forms first over all labels (so "manhattan" never eats into "manhattan murder mystery", and
    the result does not depend on the set's order)."""
    low = text.lower()
    forms = sorted({f for label in labels for f in title_forms(label)}, key=lambda f: (-len(f), f))
    for form in forms:
        low = re.sub(rf"(?<!\w){re.escape(form)}(?!\w)", PLACEHOLDER, low)
    return low


def example(row: dict, source: str) -> dict:
    """One training example of a labelled line."""
    slots = row.get("slots", {})
    shown = list((row.get("context") or {}).get("shown") or [])
    reactions = slots.get("reaction", [])
    labels = set(shown) | {r["item"] for r in reactions}
    for key in ("liked", "disliked", "targets"):
        labels |= {t for t in slots.get(key, []) if isinstance(t, str)}
    acts = {r["act"] for r in reactions}
    act = acts.pop() if len(acts) == 1 else ("none" if shown and not reactions else None)
    return {"text": masked(row["text"], labels), "intent": row["intent"], "act": act,
            "shown": bool(shown), "source": Path(source).stem}


def build(files: tuple[str, ...] = TRAIN_FILES) -> list[dict]:
    """The examples of every training file, in file order."""
    for name in files:
        if "heldout" in name or "dev10" in name:
            raise ValueError(f"{name} is a test file; it is never trained on")
    out = []
    for name in files:
        with open(name, encoding="utf-8") as handle:
            out += [example(json.loads(line), name) for line in handle if line.strip()]
    return out


def main() -> None:
    """Write the examples file and its MiniLM vectors."""
    rows = build()
    with EXAMPLES_FILE.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    load_examples.cache_clear()
    save_vectors(minilm_embedder())
    print(f"{len(rows)} examples -> {EXAMPLES_FILE} (and their MiniLM vectors)")


if __name__ == "__main__":
    main()
