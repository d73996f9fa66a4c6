"""Answer "why was this recommended?" (and "why not?") from evidence, never inventing any.

Every sentence is built from the evidence dicts candidate sources attached (keys documented in
`chatrec.candidates.base`), the user's profile and the active constraints, checked against the
catalog: a liked title is only named if the profile holds it, a genre only if the item has it.
Output is markdown with ``*Title*`` emphasis; titles and wishes pass through `escape_markdown`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chatrec.candidates.base import Query
from chatrec.domain.catalog import Catalog
from chatrec.explain.words import era_label, escape_markdown, people, title, titles
from chatrec.profile.replay import UserProfile

_ROLE_ARTICLES = {"director": "a director", "actor": "an actor", "writer": "a writer"}
Evidence = Mapping[str, Any]


@dataclass(frozen=True)
class Reason:
    """One grounded reason: ``kind`` (for de-duplication), a sentence, and a card phrase."""

    kind: str
    text: str
    short: str


def _items(value: Any) -> list[Any]:
    """An evidence value as a list; sources may hand over lists, tuples or numpy arrays."""
    return [] if value is None else list(value)


def _known_likes(catalog: Catalog, indices: Any, profile: UserProfile | None) -> list[int]:
    """The indices that are real catalog items and, when a profile is given, liked in it."""
    valid = [int(i) for i in _items(indices) if 0 <= int(i) < len(catalog)]
    if profile is None:
        return valid
    return [i for i in valid if catalog.item_ids[i] in profile.liked]


def _because(catalog: Catalog, ev: Evidence, profile: UserProfile | None) -> Reason | None:
    liked = _known_likes(catalog, ev.get("because"), profile)
    if not liked:
        return None
    named = liked[:2]
    thumbs = profile is not None and all(
        profile.liked[catalog.item_ids[i]].source == "thumb" for i in named)
    head = f"you gave 👍 to {titles(catalog, named)}" if thumbs else \
        f"you liked {titles(catalog, named)}"
    counts = {int(k): int(v) for k, v in (ev.get("co_raters") or {}).items()}
    ref = next((i for i in named if counts.get(i, 0) > 0), None)
    short = ("You gave 👍 to " if thumbs else "Because you liked ") + title(catalog, named[0])
    if ref is not None:
        which = "it" if len(named) == 1 else title(catalog, ref)
        text = (f"Because {head}: {people(counts[ref])} who rated {which} highly "
                f"also rated this highly.")
    elif ev.get("similarity") is not None and not ev.get("wish"):
        text = f"Because {head} (similarity {float(ev['similarity']):.2f})."
    else:
        text = f"{head[0].upper()}{head[1:]}." if thumbs else f"Because {head}."
    return Reason("because", text, short)


def _shared(catalog: Catalog, ev: Evidence, profile: UserProfile | None) -> Reason | None:
    parts, short = [], ""
    for role, indices in (ev.get("shared") or {}).items():
        liked = _known_likes(catalog, indices, profile)
        if liked and role in _ROLE_ARTICLES:
            parts.append(f"{_ROLE_ARTICLES[role]} with {titles(catalog, liked[:2])}")
            short = short or f"Same {role} as {title(catalog, liked[0])}"
    if not parts:
        return None
    return Reason("shared", f"Shares {' and '.join(parts)}.", short)


MIN_TASTE_SIMILARITY = 0.3


def _wish(ev: Evidence) -> Reason | None:
    if not ev.get("wish"):
        return None
    wish = escape_markdown(str(ev["wish"]))
    sim = ev.get("similarity")
    detail = f" (similarity {float(sim):.2f})" if sim is not None else ""
    return Reason("wish", f"Close to your wish '{wish}'{detail}.", f"Close to '{wish}'")


def _neighbours(ev: Evidence) -> Reason | None:
    n = int(ev.get("neighbors") or 0)
    if n <= 0:
        return None
    sim = ev.get("similarity")  # user-user here: how alike those people are to the user
    detail = f" (similarity {float(sim):.2f})" if sim is not None else ""
    return Reason("neighbors", f"{people(n)} with tastes like yours rated this{detail}.",
                  "Rated by people like you")


def _taste(ev: Evidence) -> Reason | None:
    if ev.get("similarity") is None or _items(ev.get("because")) or ev.get("wish") \
            or ev.get("neighbors"):
        return None
    sim = float(ev["similarity"])
    if sim < MIN_TASTE_SIMILARITY:  # an empty or unrelated profile is no reason at all
        return None
    return Reason("taste", f"Close to your taste so far (similarity {sim:.2f}).",
                  "Close to your taste")


def _tags(ev: Evidence) -> Reason | None:
    tags = [escape_markdown(str(t)) for t in _items(ev.get("tags"))]
    if not tags:
        return None
    return Reason("tags", f"Tagged {', '.join(tags[:3])}.", f"Tagged {', '.join(tags[:2])}")


def _genres(catalog: Catalog, item: int, ev: Evidence) -> Reason | None:
    asked = set(_items(ev.get("genres")))
    genres = [escape_markdown(g) for g in catalog.genres[item] if g in asked]
    if not genres:
        return None
    text = ", ".join(genres)
    return Reason("constraints", f"Matches the genres you asked for: {text}.", text)


def _popular(ev: Evidence) -> Reason | None:
    n = int(ev.get("n_ratings") or 0)
    if n <= 0:
        return None
    mean = ev.get("mean_rating")
    avg = f", average {float(mean):.1f}★" if mean is not None else ""
    short = f"Rated {float(mean):.1f}★ by {people(n)}" if mean is not None else \
        f"Rated by {people(n)}"
    return Reason("popular", f"Popular: rated by {people(n)}{avg}.", short)


def _source_reasons(catalog: Catalog, item: int, ev: Evidence,
                    profile: UserProfile | None) -> list[Reason]:
    """Reasons from one source's evidence, strongest kind first; popularity only as fallback."""
    found = [_because(catalog, ev, profile), _shared(catalog, ev, profile), _wish(ev),
             _neighbours(ev), _taste(ev), _tags(ev), _genres(catalog, item, ev)]
    reasons = [r for r in found if r is not None]
    popular = _popular(ev)
    return reasons or ([popular] if popular else [])


def in_years(year: int, query: Query) -> bool:
    """Whether a known year (0 means unknown) lies in the query's range."""
    return bool(year) and (query.year_min or year) <= year <= (query.year_max or year)


def _constraint_reason(catalog: Catalog, item: int, query: Query | None) -> Reason | None:
    """What the user asked for that this item really satisfies."""
    f = query or Query()
    genres = set(catalog.genres[item])
    parts = [g for g in catalog.genres[item] if g in f.genres_in]
    year = int(catalog.years[item])
    era = era_label(f.year_min, f.year_max)
    if era and in_years(year, f):
        parts.append(era)
    parts += [f"not {g}" for g in sorted(f.genres_out) if g not in genres]
    if not parts:
        return None
    text = ", ".join(escape_markdown(p) for p in parts)
    return Reason("constraints", f"Matches what you asked for: {text}.", text)


def reasons(catalog: Catalog, item_index: int, evidence: Mapping[str, Evidence],
            contributions: Mapping[str, float], profile: UserProfile | None = None,
            query: Query | None = None, max_reasons: int = 3) -> list[Reason]:
    """The strongest grounded reasons, sources ordered by contribution (highest first); a
    constraints match, when there is one, takes the last slot."""
    order = sorted(evidence, key=lambda s: (-float(contributions.get(s, 0.0)), s))
    asked = _constraint_reason(catalog, item_index, query)
    picked: dict[str, Reason] = {}
    for source in order:
        for reason in _source_reasons(catalog, item_index, evidence[source], profile):
            if asked is not None and reason.kind == "constraints":
                continue  # the constraints reason below says it with the user's own terms
            picked.setdefault(reason.kind, reason)
    chosen = list(picked.values())[: max_reasons - (1 if asked else 0)]
    return chosen + ([asked] if asked else [])


def explain(catalog: Catalog, item_index: int, evidence: Mapping[str, Evidence],
            contributions: Mapping[str, float], profile: UserProfile | None = None,
            query: Query | None = None, max_reasons: int = 3) -> str:
    """A short markdown explanation naming the strongest two or three real reasons."""
    found = reasons(catalog, item_index, evidence, contributions, profile, query,
                    max_reasons)
    if not found:
        return f"{title(catalog, item_index)} scored well overall; no specific reason was recorded."
    return " ".join(r.text for r in found)


def short_reason(catalog: Catalog, item_index: int, evidence: Mapping[str, Evidence],
                 contributions: Mapping[str, float], profile: UserProfile | None = None,
                 query: Query | None = None) -> str:
    """A one-line phrase for the item card: the single strongest reason ("" if none)."""
    found = reasons(catalog, item_index, evidence, contributions, profile, query, 2)
    return found[0].short if found else ""


