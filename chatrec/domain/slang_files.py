"""The slang files (``chatrec/domain/slang/*.toml``, package data), parsed and checked once.

A file's ``[items]`` table says how people name one kind of item (nouns, verbs, cue verbs,
context words, example prompts); its ``[[genre]]`` entries map words to genre names and apply
to any catalog that holds those genres; ``[spellings]`` lists other names a catalog may give a
genre. ``common.toml`` holds the rules for aliases derived from a catalog's own genre names.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import tomllib

SLANG_DIR = Path(__file__).resolve().parent / "slang"


class SlangError(ValueError):
    """A slang file is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class ItemSlang:
    """How people name one kind of item: ``nouns`` are (singular, plural) pairs, most usual
    first; ``verbs`` what one does with an item ("watch"); ``cues`` verbs that introduce a title
    ("watched"); ``context`` other on-topic words ("cinema"); ``time_verbs`` verbs that introduce
    a time ("filmed in the 80s"); ``examples`` prompts for the UI; ``nicknames`` maps what people
    call a well-known item ("t2") to the titles it may mean, as any catalog may spell them."""

    nouns: tuple[tuple[str, str], ...]
    verbs: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    time_verbs: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    nicknames: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def names(self, noun: str) -> bool:
        """Whether ``noun`` (singular or plural) is one of this file's item nouns."""
        return any(noun.lower() in pair for pair in self.nouns)


@dataclass(frozen=True)
class GenreSlang:
    """Words that mean a combination of genres: "rom-com" -> ("Romance", "Comedy")."""

    genres: tuple[str, ...]
    words: tuple[str, ...]


@dataclass(frozen=True)
class Slang:
    """All slang files together."""

    items: tuple[ItemSlang, ...]
    genres: tuple[GenreSlang, ...]
    spellings: dict[str, tuple[str, ...]]
    never_aliases: frozenset[str]

    def items_for(self, noun: str) -> ItemSlang | None:
        """The item slang whose nouns include ``noun``, if any."""
        return next((items for items in self.items if items.names(noun)), None)


@cache
def load_slang(folder: Path = SLANG_DIR) -> Slang:
    """Every ``*.toml`` in ``folder`` (in name order), parsed once per folder."""
    items: list[ItemSlang] = []
    genres: list[GenreSlang] = []
    spellings: dict[str, tuple[str, ...]] = {}
    never: set[str] = set()
    for path in sorted(folder.glob("*.toml")):
        data = _read(path)
        if "items" in data:
            items.append(_items(path, data["items"], data.get("nicknames", {})))
        for number, entry in enumerate(data.get("genre", []), start=1):
            genres.append(GenreSlang(_strings(path, f"genre #{number} genres", entry, "genres"),
                                     _strings(path, f"genre #{number} words", entry, "words")))
        for name, others in data.get("spellings", {}).items():
            spellings[name] = spellings.get(name, ()) + _strings(
                path, f"spellings.{name}", {"v": others}, "v")
        never |= set(_strings(path, "aliases.never", data.get("aliases", {}), "never"))
    return Slang(tuple(items), tuple(genres), spellings, frozenset(w.lower() for w in never))


def _read(path: Path) -> dict:
    """One TOML file, with a message naming it when it does not parse."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise SlangError(f"{path}: {exc}") from exc


def _items(path: Path, table: dict, nicknames: dict) -> ItemSlang:
    """The ``[items]`` table of one file, with its ``[nicknames]``."""
    nouns = table.get("nouns", [])
    if not nouns or not all(isinstance(p, list) and len(p) == 2 and all(isinstance(w, str)
                                                                     for w in p) for p in nouns):
        raise SlangError(f"{path}: items.nouns must be a list of [singular, plural] pairs")
    return ItemSlang(
        nouns=tuple((s.lower(), p.lower()) for s, p in nouns),
        verbs=_strings(path, "items.verbs", table, "verbs"),
        cues=_strings(path, "items.cues", table, "cues"),
        context=_strings(path, "items.context", table, "context"),
        time_verbs=_strings(path, "items.time_verbs", table, "time_verbs"),
        examples=tuple(table.get("examples", ())),
        nicknames=tuple((name.lower(), tuple(_strings(path, f"nicknames.{name}", nicknames, name)))
                        for name in nicknames))


def _strings(path: Path, where: str, table: dict, key: str) -> tuple[str, ...]:
    """``table[key]`` as a tuple of lower-case strings (empty when absent)."""
    values = table.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
        raise SlangError(f"{path}: {where} must be a list of non-empty strings")
    return tuple(v if key in {"genres", "v"} else v.lower() for v in values)
