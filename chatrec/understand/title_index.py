"""The keys a catalog's titles are found by, built once per catalog: each title's own keys
(`title_text.title_keys`), the part before a colon ("star trek"), short names read after a cue
("raiders", "wrath of khan"), the catalog vocabulary's nicknames ("t2") and the numbers of
series that carry none ("batman 2" is the second Batman film by year, "jurassic park 2" the
second film named for it)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from chatrec.domain.catalog import Catalog, display_title, normalize_title
from chatrec.domain.commonness import zipf
from chatrec.understand.title_text import first_parts, roman_digits, title_keys

_JOINED_RE = re.compile(r"[a-z0-9]{1,3}[&+][a-z0-9]{1,3}")  # a coined short name: "s&s"
SHORT_MAX_ZIPF = 4.0  # how common that word may be ("raiders" 3.9; "star" 5.2 is too common)
SHORT_MIN_WORDS = 3
COINED_MAX_ZIPF = 3.4  # a nickname this rare in English ("fmj" 1.8, "t2" 3.3) needs no cue
# A one-word series name must be rarer than this ("batman" 4.2, "candyman" 2.2), not an everyday
# word ("north" 5.3, "anna" 4.4) that other titles merely start with.
SERIES_MAX_ZIPF = 4.3


@dataclass
class TitleKeys:
    """Key -> item indices: ``exact`` keys, ``prefix`` (a title's part before a colon) and
    ``short`` names; ``coined`` keys are no words of the language ("t2", "fmj", "s&s")."""

    exact: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    prefix: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    short: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    coined: set[str] = field(default_factory=set)

    @classmethod
    def build(cls, catalog: Catalog, nicknames: Mapping[str, tuple[str, ...]],
              reserved: frozenset[str]) -> TitleKeys:
        """Every key of ``catalog``; ``reserved`` words (item nouns, genre words) are never
        a short name."""
        keys = cls()
        for index, title in enumerate(catalog.titles):
            for key in title_keys(title):
                if index not in keys.exact[key]:
                    keys.exact[key].append(index)
            head = title.partition(" (")[0]
            if ":" in head:  # "Star Trek: Generations" is also reachable as "star trek"
                prefix = normalize_title(head.partition(":")[0]).removesuffix(" or")
                for key in {prefix, roman_digits(prefix)} - {""}:
                    keys.prefix[key].append(index)
            for short in _short_keys(head, reserved):
                keys.short[short].append(index)
        keys._add_nicknames(nicknames)
        for key, base in first_parts(keys.exact).items():  # "godfather 1 and 2"
            keys.exact[key] = list(keys.exact[base])
        for key, index in series_numbers(catalog).items():
            if key not in keys.exact and key not in keys.prefix:  # a title's own number, or
                # a nickname, comes first
                keys.exact[key] = [index]
        return keys

    def _add_nicknames(self, nicknames: Mapping[str, tuple[str, ...]]) -> None:
        """Exact keys for what people call well-known items ("t2", "jurassic park 2"), for the
        titles of theirs this catalog holds; a nickname of several ("indiana jones") is asked
        about like any ambiguous title."""
        for nickname, titles in nicknames.items():
            key = normalize_title(nickname)
            # "s&s", "b&b": letters joined by a mark are no words, whatever the letters
            joined = _JOINED_RE.fullmatch(nickname) is not None
            if key and (joined or all(zipf(w) < COINED_MAX_ZIPF for w in key.split())):
                self.coined.add(key)
            for title in titles:
                for index in self.exact.get(normalize_title(title), []):
                    if key and index not in self.exact[key]:
                        self.exact[key].append(index)


def _short_keys(head: str, reserved: frozenset[str]) -> list[str]:
    """Short names of a title, read only after a cue: a long title's first word when it is
    rare enough to name the title alone ("raiders" for "Raiders of the Lost Ark"), and the
    subtitle after a colon ("wrath of khan", "first contact")."""
    words = normalize_title(head).split()
    first = words[0] if len(words) >= SHORT_MIN_WORDS else ""
    out = []
    if len(first) >= 5 and first not in reserved and zipf(first) <= SHORT_MAX_ZIPF:
        out.append(first)
    subtitle = normalize_title(head.partition(":")[2]) if ":" in head else ""
    if len(subtitle.split()) >= 2:
        out.append(subtitle)
    return out


def series_numbers(catalog: Catalog) -> dict[str, int]:
    """"<series> <n>" -> the n-th item of a series by year, for series whose titles carry no
    number: a series is a title ("Batman", "Jurassic Park") or a part before a colon shared by
    several ("Ace Ventura: ..."), its items those named by it before or after a colon ("The
    Lost World: Jurassic Park") or by it and one word more ("Batman Returns"). A series with
    a numbered title ("Alien 3") is left to its own numbers, one with two items in a year is
    not numbered (no order to go by), a remake of the same title is no sequel, and a one-word
    series name must be a rare word."""
    heads = [display_title(t.partition(" (")[0]) for t in catalog.titles]
    names = [normalize_title(h) for h in heads]
    parts = [tuple(normalize_title(p) for p in h.split(":", 1)) if ":" in h else () for h in heads]
    befores = defaultdict(list)
    for index, part in enumerate(parts):
        if part:
            befores[part[0]].append(index)
    bases = {n for n in names if n} | {b for b, items in befores.items() if len(items) >= 2}
    out: dict[str, int] = {}
    for base in sorted(bases):
        members = [i for i, name in enumerate(names)
                   if name == base or (parts[i] and base in parts[i]) or _continues(name, base)]
        if len(members) < 2 or any(_numbered(name, base) for name in names):
            continue
        if len({names[i] for i in members}) < len(members):
            continue  # a remake ("Cape Fear", "Sabrina"): one title, no series to count
        if " " not in base and zipf(base) > SERIES_MAX_ZIPF:
            continue  # "north" of "North by Northwest", "anna" of "Anna Karenina": a word
        years = [int(catalog.years[i]) for i in members]
        if len(set(years)) < len(years) or 0 in years:
            continue
        for n, index in enumerate(sorted(members, key=lambda i: int(catalog.years[i])), 1):
            out[f"{base} {n}"] = index
    return out


def _continues(name: str, base: str) -> bool:
    """Whether a title goes on from a series name by one word ("batman returns", "batman and
    robin"), as sequels are named; "north by northwest" or "manhattan murder mystery" say
    more than a sequel's name."""
    rest = name.removeprefix(base + " ").split() if name.startswith(base + " ") else []
    return len(rest) == 1 or (len(rest) == 2 and rest[0] == "and")


def _numbered(name: str, base: str) -> bool:
    """Whether a title numbers the series itself: the series name and a number ("alien 3",
    "star trek iii the search for spock")."""
    rest = roman_digits(name).removeprefix(base + " ").split() \
        if name.startswith(base + " ") else []
    rest = rest[1:] if rest[:1] == ["part"] else rest
    return bool(rest) and rest[0].isdecimal()
