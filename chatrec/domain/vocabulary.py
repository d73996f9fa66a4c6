"""The words one catalog is talked about in, built once per catalog.

Every catalog genre becomes an alias of itself automatically: lower-cased, in its plural, with
its hyphen, ampersand and apostrophe variants, and split into its parts ("Mystery & Thriller"
is also "mystery" and "thrillers"). Slang ("scary" for Horror, "rom-com", "whodunit") comes from
the slang files and applies only where the catalog holds its genres. The item nouns ("movie",
"book") come from the catalog's `CatalogInfo`, with the synonyms of a matching slang file
("film", "flick"). Understanding, the gate and the replies take their words from here.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from chatrec.domain.catalog import Catalog, Dataset
from chatrec.domain.slang_files import GenreSlang, Slang, load_slang

_COMPOUND_RE = re.compile(r"\s*[&/]\s*")
MIN_PART_LETTERS = 4  # shorter hyphen parts are fragments ("sci", "fi", "non")


@dataclass(frozen=True)
class Vocabulary:
    """How one catalog's items, genres and eras are named.

    ``noun``/``plural`` name one item in replies; ``item_nouns`` are every (singular, plural)
    pair a user may say, most usual first; ``genre_aliases`` maps a lower-case phrase to the
    catalog genres it means; ``other_genre_words`` are slang for genres this catalog lacks
    ("westerns" without a Western genre): no genre, but no ordinary word either, so "no
    westerns" does not turn into a wish for westerns. ``examples`` are prompts for the UI;
    ``nicknames`` map what people call well-known items ("t2") to the titles they may mean.
    """

    noun: str
    plural: str
    item_nouns: tuple[tuple[str, str], ...]
    verbs: tuple[str, ...]
    cue_verbs: tuple[str, ...]
    context: tuple[str, ...]
    time_verbs: tuple[str, ...]
    genre_names: tuple[str, ...]
    genre_aliases: Mapping[str, tuple[str, ...]]
    other_genre_words: frozenset[str]
    tags: frozenset[str]
    year_min: int
    year_max: int
    examples: tuple[str, ...]
    nicknames: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({}))

    @property
    def item_words(self) -> frozenset[str]:
        """Every singular and plural item noun ("movie", "films", "flicks")."""
        return frozenset(w for pair in self.item_nouns for w in pair)

    @property
    def item_singulars(self) -> tuple[str, ...]:
        """The singular item nouns, most usual first."""
        return tuple(s for s, _ in self.item_nouns)

    @property
    def item_plurals(self) -> tuple[str, ...]:
        """The plural item nouns, most usual first."""
        return tuple(p for _, p in self.item_nouns)

    @classmethod
    def from_dataset(cls, dataset: Dataset, slang: Slang | None = None) -> Vocabulary:
        """`from_catalog`, with the most-rated items as the examples' titles."""
        counts = dataset.rating_counts()
        popular = [int(i) for i in np.argsort(-counts, kind="stable")[:2] if counts[i] > 0]
        return cls.from_catalog(dataset.catalog, popular, slang)

    @classmethod
    def from_catalog(cls, catalog: Catalog, popular: Sequence[int] = (),
                     slang: Slang | None = None) -> Vocabulary:
        """The vocabulary of ``catalog``; ``popular`` item indices give example titles."""
        slang = slang or load_slang()
        info = catalog.info
        items = slang.items_for(info.noun)
        own = (info.noun.lower(), info.nouns.lower())
        nouns = items.nouns if items else ()
        nouns = nouns if own[0] in {s for s, _ in nouns} else (own, *nouns)
        known = catalog.years[catalog.years > 0]
        aliases = genre_aliases(catalog.genre_names, slang, {w for p in nouns for w in p})
        vocabulary = cls(
            noun=info.noun, plural=info.nouns, item_nouns=tuple(nouns),
            verbs=items.verbs if items else (), cue_verbs=items.cues if items else (),
            context=items.context if items else (),
            time_verbs=items.time_verbs if items else (), genre_names=catalog.genre_names,
            genre_aliases=MappingProxyType(aliases),
            other_genre_words=frozenset(w for entry in slang.genres for w in entry.words
                                        if w not in aliases),
            tags=frozenset(t.lower() for tags in catalog.tags for t in tags),
            year_min=int(known.min()) if known.size else 0,
            year_max=int(known.max()) if known.size else 0, examples=(),
            nicknames=MappingProxyType(dict(items.nicknames) if items else {}))
        examples = items.examples if items and items.examples else _examples(
            catalog, vocabulary, popular)
        return dataclasses.replace(vocabulary, examples=tuple(examples))


def genre_aliases(genre_names: Sequence[str], slang: Slang, item_words: set[str]
                  ) -> dict[str, tuple[str, ...]]:
    """Phrase -> catalog genres: a genre's own forms first, then its parts, then slang."""
    full: dict[str, tuple[str, ...]] = {}
    parts: dict[str, tuple[str, ...]] = {}
    never = slang.never_aliases | item_words
    for genre in genre_names:
        for form in _forms(genre):
            full[form] = _add(full.get(form, ()), (genre,))
        for part in _parts(genre):
            if part.lower() not in never:
                for form in _forms(part):
                    parts[form] = _add(parts.get(form, ()), (genre,))
    words: dict[str, tuple[str, ...]] = {}
    for entry in slang.genres:
        resolved = _resolve(entry, genre_names, slang.spellings, full, parts)
        if resolved:
            words.update(dict.fromkeys(entry.words, resolved))
    return {**words, **parts, **full}


def _add(values: tuple[str, ...], more: tuple[str, ...]) -> tuple[str, ...]:
    """``values`` followed by those of ``more`` it lacks."""
    return values + tuple(v for v in more if v not in values)


def _forms(genre: str) -> set[str]:
    """The ways to write one genre name: "Sci-Fi" -> sci-fi, sci fi, scifi; "Children's" ->
    children's, children, childrens; "Mystery & Thriller" -> also "mystery and thriller";
    a one-word name also in its plural ("comedies"), unless it is an acronym ("IMAX")."""
    low = " ".join(genre.lower().replace("’", "'").split())
    forms = {low}
    if "-" in low:
        forms |= {low.replace("-", " "), low.replace("-", "")}
    if "&" in low:
        forms.add(" ".join(low.replace("&", " and ").split()))
    if "'" in low:
        forms |= {low.replace("'s", ""), low.replace("'", "")}
    if low.isalpha() and not genre.isupper():
        forms.add(plural(low))
    return {f for f in forms if f}


def _parts(genre: str) -> list[str]:
    """The parts of a compound genre: "Mystery & Thriller", "Action/Adventure", and hyphen
    compounds of whole words ("Action-Adventure"; not "Sci-Fi" nor "Non-Fiction")."""
    pieces = [p for p in _COMPOUND_RE.split(genre.strip()) if len(p) >= 3]
    parts = pieces if len(pieces) > 1 else []
    for piece in pieces:
        halves = piece.split("-")
        if len(halves) > 1 and all(len(h) >= MIN_PART_LETTERS and h.isalpha() for h in halves):
            parts += halves
    return parts


def plural(word: str) -> str:
    """The English plural of a lower-case noun: comedy -> comedies, thriller -> thrillers."""
    if word.endswith("y") and word[-2:-1] not in set("aeiou"):
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    return word + "s"


def _resolve(entry: GenreSlang, genre_names: Sequence[str],
             spellings: Mapping[str, tuple[str, ...]], full: Mapping[str, tuple[str, ...]],
             parts: Mapping[str, tuple[str, ...]]) -> tuple[str, ...] | None:
    """The catalog genres a slang entry means, or None unless every one of them exists."""
    by_lower = {g.lower(): g for g in genre_names}
    resolved: tuple[str, ...] = ()
    for name in entry.genres:
        names = [n.lower() for n in (name, *spellings.get(name, ()))]
        exact = next((by_lower[n] for n in names if n in by_lower), None)
        found = (exact,) if exact else next(
            (full.get(n) or parts.get(n) for n in names if full.get(n) or parts.get(n)), None)
        if not found:
            return None
        resolved = _add(resolved, found)
    return resolved


def _examples(catalog: Catalog, vocabulary: Vocabulary, popular: Sequence[int]) -> list[str]:
    """Example prompts from the catalog itself: its commonest genres and decade, and its most
    popular titles (the first items when no popularity is known)."""
    genres = [g for g, _ in Counter(g for gs in catalog.genres for g in gs).most_common(3)]
    years = catalog.years[catalog.years > 0]
    decade = int(Counter((years // 10 * 10).tolist()).most_common(1)[0][0]) if years.size else 0
    picks = list(popular)[:2] or list(range(min(2, len(catalog))))
    titles = [catalog.titles[i] for i in picks]
    noun, plural_noun = vocabulary.noun, vocabulary.plural
    out = []
    if genres:
        era = f" from the {decade}s" if decade else ""
        out.append(f"{genres[0].lower()} {plural_noun}{era}")
    if titles:
        out.append(f"more like {titles[0]}")
    if len(genres) >= 3:
        out.append(f"{article(genres[1])} {genres[1].lower()} {noun}, but no "
                   f"{genres[2].lower()}")
    if len(titles) >= 2:
        out.append(f"I loved {titles[1]}, anything similar?")
    return out


def article(word: str) -> str:
    """"a" or "an" before ``word`` (by its first letter: "an item", "a book")."""
    return "an" if word[:1].lower() in "aeiou" else "a"
