"""Validate the labelled NLU utterance files (schema v2, see README.md).

Usage:  .venv/bin/python tests/data/nlu/validate.py [FILE ...]
        (default: heldout.jsonl and every dev*.jsonl file next to this script)

Checks, per line: valid JSON; id/text/intent/slots present; id unique and prefixed like the
file's other ids; intent in the schema's list; only known slot names with the right types;
every title (slots liked/disliked/targets, context.shown, reaction.item) is an exact ml-100k
catalog label; every genre is an ml-100k genre; reaction acts are known and every reaction
item is one of context.shown; ref positions and focus lie within shown; refs and reactions
agree; clarify lines carry no liked/disliked; liked/disliked are not shown picks.
Across files: no text appears twice in a file or in more than one file.
Uses only the standard library and chatrec.domain.loaders. Exit status 1 on any error.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from chatrec.domain.loaders import load_dataset

HERE = Path(__file__).resolve().parent

INTENTS = {
    "recommend", "refine", "more_like", "like_title", "dislike_title", "feedback_ref", "why",
    "profile", "forget", "reset", "greeting", "thanks", "goodbye", "smalltalk", "off_topic",
    "help", "ask_item", "unknown",
}
GENRES = {
    "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama",
    "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller",
    "War", "Western",
}
ACTS = {"accept", "seen", "seen_liked", "seen_disliked", "not_seen", "reject", "more_like"}
QUESTIONS = {"about", "cast", "content", "age", "popularity", "rating"}
DROPS = {"genre", "era", "all"}
SLOTS = {
    "genres_in", "genres_out", "year_min", "year_max", "liked", "disliked", "targets", "ref",
    "reaction", "question", "count", "drop", "clarify", "why_not",
}
TOP_KEYS = {"id", "text", "context", "intent", "slots", "note"}
CONTEXT_KEYS = {"before", "shown", "focus"}


def catalog_labels() -> set[str]:
    c = load_dataset("ml-100k").catalog
    return {c.label(i) for i in range(len(c))}


def is_int(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def check_record(d: dict, labels: set[str]) -> list[str]:
    errs: list[str] = []
    for k in ("id", "text", "intent", "slots"):
        if k not in d:
            errs.append(f"missing key {k!r}")
    if errs:
        return errs
    extra = set(d) - TOP_KEYS
    if extra:
        errs.append(f"unknown top-level keys {sorted(extra)}")
    if not isinstance(d["text"], str) or not d["text"].strip():
        errs.append("text must be a non-empty string")
    if d["intent"] not in INTENTS:
        errs.append(f"intent {d['intent']!r} not in schema")
    if "note" in d and not isinstance(d["note"], str):
        errs.append("note must be a string")

    ctx = d.get("context", {})
    shown: list[str] = []
    focus = None
    if not isinstance(ctx, dict):
        errs.append("context must be an object")
        ctx = {}
    extra = set(ctx) - CONTEXT_KEYS
    if extra:
        errs.append(f"unknown context keys {sorted(extra)}")
    if "before" in ctx:
        b = ctx["before"]
        if not isinstance(b, list) or not all(isinstance(x, str) and x for x in b):
            errs.append("context.before must be a list of strings")
    if "shown" in ctx:
        shown = ctx["shown"]
        if not isinstance(shown, list) or not shown:
            errs.append("context.shown must be a non-empty list")
            shown = []
        for t in shown:
            if t not in labels:
                errs.append(f"context.shown title {t!r} is not a catalog label")
        if len(set(shown)) != len(shown):
            errs.append("context.shown has duplicates")
    if "focus" in ctx:
        focus = ctx["focus"]
        if not is_int(focus) or not shown or not (1 <= focus <= len(shown)):
            errs.append(f"context.focus {focus!r} not a position within shown")
            focus = None

    s = d["slots"]
    if not isinstance(s, dict):
        return errs + ["slots must be an object"]
    extra = set(s) - SLOTS
    if extra:
        errs.append(f"unknown slots {sorted(extra)}")

    for key in ("genres_in", "genres_out"):
        if key in s:
            v = s[key]
            if not isinstance(v, list) or not v:
                errs.append(f"{key} must be a non-empty list")
                continue
            for g in v:
                if g not in GENRES:
                    errs.append(f"{key}: {g!r} is not an ml-100k genre")
    if "genres_in" in s and "genres_out" in s and set(s["genres_in"]) & set(s["genres_out"]):
        errs.append("a genre is both in genres_in and genres_out")

    for key in ("year_min", "year_max"):
        if key in s and not is_int(s[key]):
            errs.append(f"{key} must be an int")
    if is_int(s.get("year_min")) and is_int(s.get("year_max")) and s["year_min"] > s["year_max"]:
        errs.append("year_min > year_max")

    for key in ("liked", "disliked", "targets"):
        if key in s:
            v = s[key]
            if not isinstance(v, list) or not v:
                errs.append(f"{key} must be a non-empty list")
                continue
            for t in v:
                if t not in labels:
                    errs.append(f"{key}: {t!r} is not a catalog label")
    for key in ("liked", "disliked"):
        for t in s.get(key, []) if isinstance(s.get(key), list) else []:
            if t in shown:
                errs.append(f"{key}: {t!r} is a shown pick; use reaction instead")
    if set(s.get("liked", []) or []) & set(s.get("disliked", []) or []):
        errs.append("a title is both liked and disliked")

    ref_items: set[str] = set()
    if "ref" in s:
        v = s["ref"]
        if not isinstance(v, list) or not v or not all(is_int(x) for x in v):
            errs.append("ref must be a non-empty list of ints")
        elif not shown:
            errs.append("ref needs context.shown")
        else:
            for p in v:
                if p == 0:
                    ref_items.add(shown[(focus or 1) - 1])
                elif p == -1:
                    ref_items.add(shown[-1])
                elif 1 <= p <= len(shown):
                    ref_items.add(shown[p - 1])
                else:
                    errs.append(f"ref position {p} outside shown (1..{len(shown)}, 0, -1)")
            if len(set(v)) != len(v):
                errs.append("ref has duplicates")

    if "reaction" in s:
        v = s["reaction"]
        if not isinstance(v, list) or not v:
            errs.append("reaction must be a non-empty list")
        elif not shown:
            errs.append("reaction needs context.shown")
        else:
            items = []
            for r in v:
                if not isinstance(r, dict) or set(r) != {"act", "item"}:
                    errs.append(f"reaction entry {r!r} must be {{act, item}}")
                    continue
                if r["act"] not in ACTS:
                    errs.append(f"reaction act {r['act']!r} unknown")
                if r["item"] not in shown:
                    errs.append(f"reaction item {r['item']!r} is not in context.shown")
                items.append(r["item"])
            if len(set(items)) != len(items):
                errs.append("reaction names the same item twice")
            if "ref" in s and ref_items and not ref_items <= set(items):
                errs.append(f"ref points at {sorted(ref_items - set(items))} but reaction does not")

    if "question" in s and s["question"] not in QUESTIONS:
        errs.append(f"question {s['question']!r} unknown")
    if d["intent"] == "ask_item":
        if "question" not in s:
            errs.append("ask_item needs a question")
        if "targets" not in s and "ref" not in s:
            errs.append("ask_item needs targets or ref")
    elif "question" in s:
        errs.append("question only belongs to ask_item")
    if d["intent"] == "feedback_ref" and "reaction" not in s:
        errs.append("feedback_ref needs a reaction")

    if "count" in s and (not is_int(s["count"]) or not 1 <= s["count"] <= 20):
        errs.append("count must be an int 1-20")
    if "drop" in s:
        v = s["drop"]
        if not isinstance(v, list) or not v or any(x not in DROPS for x in v):
            errs.append(f"drop must be a non-empty list of {sorted(DROPS)}")
    if d["intent"] == "reset" and s.get("drop") != ["all"]:
        errs.append('reset implies drop ["all"]')
    for key in ("clarify", "why_not"):
        if key in s and s[key] is not True:
            errs.append(f"{key} must be true when present")
    if s.get("clarify") and (s.get("liked") or s.get("disliked")):
        errs.append("clarify lines must leave liked/disliked empty")
    return errs


def validate(paths: list[Path]) -> int:
    labels = catalog_labels()
    n_err = 0
    seen_text: dict[str, str] = {}
    for path in paths:
        ids: set[str] = set()
        prefix = None
        n = 0
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            n += 1
            where = f"{path.name}:{lineno}"
            try:
                d = json.loads(line)
            except json.JSONDecodeError as e:
                print(f"{where}: bad JSON: {e}")
                n_err += 1
                continue
            if not isinstance(d, dict):
                print(f"{where}: not a JSON object")
                n_err += 1
                continue
            errs = check_record(d, labels)
            rid = d.get("id")
            if isinstance(rid, str):
                where = f"{where} ({rid})"
                if rid in ids:
                    errs.append("duplicate id")
                ids.add(rid)
                p = rid.rstrip("0123456789")
                if prefix is None:
                    prefix = p
                elif p != prefix:
                    errs.append(f"id prefix {p!r} differs from {prefix!r}")
            else:
                errs.append("id must be a string")
            text = d.get("text")
            if isinstance(text, str):
                key = " ".join(text.lower().split())
                if key in seen_text:
                    errs.append(f"text also in {seen_text[key]}")
                else:
                    seen_text[key] = where
            for e in errs:
                print(f"{where}: {e}")
            n_err += len(errs)
        print(f"{path}: {n} lines checked")
    print("OK" if n_err == 0 else f"{n_err} error(s)")
    return 1 if n_err else 0


if __name__ == "__main__":
    args = [Path(a) for a in sys.argv[1:]] or [
        HERE / name for name in ("heldout.jsonl", "dev.jsonl", "dev2.jsonl", "dev_questions.jsonl",
                                 "dev3.jsonl", "dev_titles.jsonl", "dev_react.jsonl",
                                 "dev4.jsonl", "dev5.jsonl", "dev6.jsonl", "dev7.jsonl",
                                 "dev8.jsonl", "dev9.jsonl", "dev10.jsonl")]
    sys.exit(validate([p for p in args if p.exists()] if not sys.argv[1:] else args))
