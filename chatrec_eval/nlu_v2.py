"""NLU evaluation on schema-v2 files (tests/data/nlu/README.md): mid-conversation messages.

Each line has a ``context`` (earlier messages, the picks on screen, the pick in focus), an
intent and slots, among them reactions to the shown picks. Scored per file:

- intent accuracy and its confusion;
- precision/recall per slot type: ``title`` (every title the message names: liked, disliked,
  targets, and shown picks named by title), ``genre_in``, ``genre_out``, ``era``, ``ref``,
  ``reaction_target`` (which shown pick a reaction is about), ``reaction`` (pick and act),
  ``question``, ``count``, ``drop``, ``clarify``, ``why_not``; ``title_lower`` is ``title`` on
  the lines typed all in lower case;
- reaction-act accuracy over the labelled reactions, with the act confusion.

A parser without reaction acts (the one before issue #12) is scored by what it stored: a
positive verdict on a shown pick as ``accept``, a negative one as ``reject``.

Files whose name contains ``heldout`` are frozen test sets: their report gives counts by failure
kind only, never the failing lines, so nobody tunes on them by reading it.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

from chatrec.domain.catalog import Catalog
from chatrec.understand.message import ParsedMessage
from chatrec.understand.parse import ParseContext, Parser

SLOT_TYPES = ("title", "title_lower", "genre_in", "genre_out", "era", "ref", "reaction_target",
              "reaction", "question", "count", "drop", "clarify", "why_not")
PICK_INTENTS = frozenset({"recommend", "refine", "more_like"})


def is_frozen(path: str | Path) -> bool:
    """Whether a file is a frozen held-out set (reported by failure kind only)."""
    return "heldout" in Path(path).name


class LabelIndex(dict):
    """Catalog label ("Heat (1995)") or bare title ("Heat", as schema v1 writes them), in any
    case -> the first item index with it."""

    def __init__(self, catalog: Catalog) -> None:
        super().__init__()
        for i in range(len(catalog)):
            self.setdefault(catalog.label(i).lower(), i)
        for i in range(len(catalog)):
            self.setdefault(catalog.titles[i].lower(), i)

    def __getitem__(self, name: str) -> int:
        return super().__getitem__(name.lower())


def labels_index(catalog: Catalog) -> LabelIndex:
    """A `LabelIndex` of ``catalog``."""
    return LabelIndex(catalog)


def resolve(shown: Sequence[str], focus: int | None, ref: int) -> str | None:
    """The shown label a position points at (0: the focus, or the first pick)."""
    if not shown:
        return None
    position = (focus or 1) if ref == 0 else ref
    index = position - 1 if position > 0 else len(shown) + position
    return shown[index] if 0 <= index < len(shown) else None


def counted_from_top(refs: Iterable[int], shown: Sequence[str]) -> list[int]:
    """Positions with those counted from the bottom ("the last two": -2, -1) written from the
    top (4, 5 of five), so both ways of labelling one pick compare equal."""
    return [len(shown) + 1 + r if r < 0 and shown and -r <= len(shown) else r for r in refs]


def context_of(row: dict) -> tuple[list[str], int | None]:
    """(shown labels, focus) of a line."""
    ctx = row.get("context") or {}
    return list(ctx.get("shown") or []), ctx.get("focus")


def gold_pairs(row: dict) -> dict[str, set]:
    """The labelled slots as sets of comparable values per slot type."""
    slots, (shown, focus) = row.get("slots", {}), context_of(row)
    by_ref = {resolve(shown, focus, r) for r in slots.get("ref", [])}
    reactions = {(r["item"], r["act"]) for r in slots.get("reaction", [])}
    named = {item for item, _ in reactions if item not in by_ref}
    titles = set(slots.get("liked", [])) | set(slots.get("disliked", [])) | set(
        slots.get("targets", [])) | named
    slots = {**slots, "ref": counted_from_top(slots.get("ref") or (), shown)}
    return _pairs(titles, slots, reactions, row["text"])


def predicted_pairs(parsed: ParsedMessage, catalog: Catalog, shown: Sequence[str],
                    focus: int | None) -> dict[str, set]:
    """The parse as sets of comparable values per slot type."""
    delta = parsed.delta
    liked = {catalog.label(i) for i in delta.liked}
    disliked = {catalog.label(i) for i in delta.disliked}
    targets = {catalog.label(i) for i in parsed.targets}
    reactions, named = _reactions(parsed, catalog, shown, focus, liked, disliked)
    slots = {"genres_in": list(delta.genres_in), "genres_out": list(delta.genres_out),
             "year_min": delta.year_min, "year_max": delta.year_max,
             "ref": counted_from_top(parsed.refs, shown),
             "question": getattr(parsed, "question", None), "count": getattr(parsed, "count",
                                                                              None),
             "drop": list(getattr(parsed, "drop", ())),
             "clarify": bool(getattr(parsed, "clarify", False) or parsed.ambiguous_titles),
             "why_not": parsed.why_not}
    titles = (liked - set(shown)) | (disliked - set(shown)) | targets | named
    return _pairs(titles, slots, reactions, parsed.text)


def _reactions(parsed: ParsedMessage, catalog: Catalog, shown: Sequence[str],
               focus: int | None, liked: set[str], disliked: set[str]
               ) -> tuple[set[tuple[str, str]], set[str]]:
    """(pick, act) pairs and the picks named by title."""
    found = getattr(parsed, "reactions", None)
    if found is not None:
        pairs, named = set(), set()
        for reaction in found:
            if reaction.item is not None:
                label = catalog.label(reaction.item)
                named.add(label)
            else:
                label = resolve(shown, focus, reaction.ref)
            if label is not None:
                pairs.add((label, str(reaction.act)))
        return pairs, named
    # A parser without reaction acts: what it stored, as accept / reject.
    pairs = {(resolve(shown, focus, r), "reject" if p is False else "accept")
             for r, p in zip(parsed.refs, parsed.ref_polarities, strict=False)}
    pairs |= {(t, "accept") for t in liked & set(shown)}
    pairs |= {(t, "reject") for t in disliked & set(shown)}
    return {p for p in pairs if p[0] is not None}, (liked | disliked) & set(shown)


def _pairs(titles: set[str], slots: dict, reactions: set[tuple[str, str]],
           text: str) -> dict[str, set]:
    """Comparable values per slot type from titles, slot values and reactions."""
    era = {(k, slots[k]) for k in ("year_min", "year_max") if slots.get(k) is not None}
    lower = text == text.lower()
    return {
        "title": {t.lower() for t in titles},
        "title_lower": {t.lower() for t in titles} if lower else set(),
        "genre_in": set(slots.get("genres_in") or ()),
        "genre_out": set(slots.get("genres_out") or ()), "era": era,
        "ref": set(slots.get("ref") or ()), "reaction_target": {i for i, _ in reactions},
        "reaction": set(reactions),
        "question": {slots["question"]} if slots.get("question") else set(),
        "count": {slots["count"]} if slots.get("count") else set(),
        "drop": set(slots.get("drop") or ()),
        "clarify": {True} if slots.get("clarify") else set(),
        "why_not": {True} if slots.get("why_not") else set(),
    }


def parse_context(shown: Sequence[int], focus: int | None, asked: bool = False
                  ) -> ParseContext:
    """The context the recommender would build with these picks on screen; ``asked``: one of the
    line's earlier messages (``context.before``) stated what is wanted, so it is in force."""
    names = {f.name for f in dataclasses.fields(ParseContext)}
    fields: dict = {"shown_count": len(shown)}
    if "asked" in names:
        fields["asked"] = asked
    if "shown" in names:
        fields["shown"] = tuple(shown)
    if "focus" in names:
        fields["focus"] = shown[focus - 1] if focus and 0 < focus <= len(shown) else None
    return ParseContext(**fields)


def score_v2(parser: Parser, catalog: Catalog, rows: Iterable[dict]) -> dict:
    """Parse every line in its context and tally intents, slots and reaction acts."""
    index = labels_index(catalog)
    confusion: dict[str, Counter] = defaultdict(Counter)
    counts: dict[str, Counter] = {name: Counter() for name in SLOT_TYPES}
    acts: dict[str, Counter] = defaultdict(Counter)
    failures, kinds = [], Counter()
    for row in rows:
        shown, focus = context_of(row)
        asked = any(parser.parse(b).intent.states_preferences
                    for b in (row.get("context") or {}).get("before") or ())
        parsed = parser.parse(row["text"], parse_context([index[s] for s in shown], focus, asked))
        gold, pred = gold_pairs(row), predicted_pairs(parsed, catalog, shown, focus)
        row_kinds = _tally(gold, pred, counts)
        confusion[row["intent"]][str(parsed.intent)] += 1
        if str(parsed.intent) != row["intent"]:
            row_kinds.append(f"intent:{row['intent']}->{parsed.intent}")
        predicted_act = dict(pred["reaction"])
        for item, act in gold["reaction"]:
            got = predicted_act.get(item, "none")
            acts[act][got] += 1
            if got != act:
                row_kinds.append(f"act:{act}->{got}")
        kinds.update(row_kinds)
        if row_kinds:
            failures.append({"id": row.get("id"), "text": row["text"], "intent": row["intent"],
                             "predicted": str(parsed.intent), "kinds": row_kinds,
                             "missing": _diff(gold, pred), "extra": _diff(pred, gold)})
    return _v2_summary(confusion, counts, acts, failures, kinds)


def _tally(gold: dict[str, set], pred: dict[str, set], counts: dict[str, Counter]) -> list[str]:
    """Add one line's true/false positives per slot type; the failure kinds it shows."""
    kinds = []
    for name in SLOT_TYPES:
        tp, fp, fn = (len(gold[name] & pred[name]), len(pred[name] - gold[name]),
                      len(gold[name] - pred[name]))
        counts[name].update(tp=tp, fp=fp, fn=fn)
        if name != "title_lower":
            kinds += [f"extra:{name}"] * bool(fp) + [f"missing:{name}"] * bool(fn)
    return kinds


def _diff(a: dict[str, set], b: dict[str, set]) -> list[str]:
    return sorted(f"{name}={value}" for name in SLOT_TYPES if name != "title_lower"
                  for value in a[name] - b[name])


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    """Precision, recall and F1 (1.0 when there is nothing to find or claim)."""
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def _v2_summary(confusion: dict[str, Counter], counts: dict[str, Counter],
                acts: dict[str, Counter], failures: list[dict], kinds: Counter) -> dict:
    n = sum(sum(c.values()) for c in confusion.values())
    correct = sum(c[intent] for intent, c in confusion.items())
    labelled = sum(sum(c.values()) for c in acts.values())
    return {
        "n": n, "intent_accuracy": correct / n if n else 0.0,
        "per_intent": {i: {"n": sum(c.values()), "accuracy": c[i] / sum(c.values()),
                           "confused_with": {k: v for k, v in c.items() if k != i}}
                       for i, c in sorted(confusion.items())},
        "per_slot": {name: {**prf(c["tp"], c["fp"], c["fn"]), "tp": c["tp"], "fp": c["fp"],
                            "fn": c["fn"]} for name, c in counts.items()},
        "reaction_act_accuracy": (sum(acts[a][a] for a in acts) / labelled) if labelled else 1.0,
        "reactions_labelled": labelled,
        "act_confusion": {a: dict(c) for a, c in sorted(acts.items())},
        "failure_kinds": dict(kinds.most_common()), "failures": failures,
    }
