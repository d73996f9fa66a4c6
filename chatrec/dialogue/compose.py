"""Reply text assembled from structured data and templates: the filters in plain words, the
one clarifying question worth asking, the no-results answer and the profile panel.

The LM's lead-in is only ever a gated first sentence; everything here is deterministic.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chatrec.dialogue.state import Preferences
from chatrec.domain.catalog import Catalog
from chatrec.explain.words import era_label, escape_markdown, listing
from chatrec.profile.events import EXPLICIT_SOURCES
from chatrec.profile.replay import Mark, UserProfile
from chatrec.reply.templates import Phrasebook

ACCEPTED = frozenset({"accepted"})


def constraints_phrase(preferences: Preferences) -> str:
    """Plain words for the active filters: ``"Crime, 1990s, not Horror"`` (escaped)."""
    parts = [escape_markdown(g) for g in sorted(preferences.genres_in)]
    era = era_label(preferences.year_min, preferences.year_max)
    if era:
        parts.append(era)
    parts += [f"not {escape_markdown(g)}" for g in sorted(preferences.genres_out)]
    if preferences.wish:
        parts.append(f"'{escape_markdown(preferences.wish)}'")
    return ", ".join(parts)


def pick_question(preferences: Preferences, knows_taste: bool,
                  last_question: str | None) -> str | None:
    """One useful clarifying question, or None; never the same topic twice in a row."""
    topics = []
    if not preferences.genres_in and not preferences.wish:
        topics.append("genre")
    if preferences.year_min is None and preferences.year_max is None:
        topics.append("era")
    if not knows_taste:
        topics.append("title")
    for topic in topics:
        if topic != last_question:
            return topic
    return None


def recommendation_text(book: Phrasebook, lead_in: str, topic: str | None) -> str:
    """The reply above the picks: the lead-in plus an optional question."""
    return lead_in + ("\n\n" + book.question(topic) if topic else "")


def fallback_lead_in(book: Phrasebook, preferences: Preferences, seed: str) -> str:
    """The template lead-in used when there is no LM or the gate rejects it."""
    phrase = constraints_phrase(preferences)
    if phrase:
        return book.render("lead_in_with_filters", seed, filters=phrase)
    return book.render("lead_in", seed)


def no_results_text(book: Phrasebook, preferences: Preferences, seed: str) -> str:
    """What to say when the filters leave nothing to recommend."""
    return book.render("no_results", seed,
                       filters=constraints_phrase(preferences) or "your request")


def partial_genres_text(book: Phrasebook, genres: tuple[str, ...],
                        missing: list[tuple[str, ...]], seed: str) -> str:
    """Say so when too few items have every asked genre and some picks have only part of them
    (``missing``: each pick's asked genres it lacks, in order); "" when every pick has all."""
    if len(genres) < 2 or not any(missing):
        return ""
    complete = sum(1 for lacks in missing if not lacks)
    asked = escape_markdown(listing(list(genres), "and"))
    if complete <= 1:
        kind = "partial_genres_one" if complete else "partial_genres_none"
        return book.render(kind, seed, genres=asked)
    return book.render("partial_genres", seed, genres=asked, complete=complete)


def profile_summary(profile: UserProfile, catalog: Catalog) -> dict[str, Any]:
    """What chatrec believes about the user, in plain (unescaped) words, most recent first."""
    def labels(marks: Mapping[str, Mark], sources: frozenset[str]) -> list[str]:
        ids = [i for i, m in reversed(marks.items()) if m.source in sources]
        return [catalog.label(catalog.index_of(i)) if catalog.has(i) else f"item {i}" for i in ids]

    def imported(marks: Mapping[str, Mark]) -> int:
        return sum(m.source == "import" for m in marks.values())

    asked = Preferences.from_dict(profile.constraints)
    return {
        "liked": labels(profile.liked, EXPLICIT_SOURCES),
        "disliked": labels(profile.disliked, EXPLICIT_SOURCES),
        # Picks the user said they want ("I'll check it out"): stored as light likes, so the
        # panel shows them too; nothing stored is hidden from its owner.
        "accepted": labels(profile.liked, ACCEPTED),
        "imported_liked": imported(profile.liked),
        "imported_disliked": imported(profile.disliked),
        "genres_wanted": sorted(asked.genres_in),
        "genres_excluded": sorted(asked.genres_out),
        "era": era_label(asked.year_min, asked.year_max),
        "wish": asked.wish or None,
        "genre_weights": dict(profile.genre_weights),
        "shown": len(profile.shown),
    }


def profile_markdown(book: Phrasebook, summary: Mapping[str, Any]) -> str:
    """The profile panel / "what do you know about me" answer, from `profile_summary`."""
    lines = ["### What I know about you"]
    rows = [
        ("Liked", summary.get("liked")), ("Disliked", summary.get("disliked")),
        ("Want to try", summary.get("accepted")),
        ("Genres wanted", summary.get("genres_wanted")),
        ("Genres excluded", summary.get("genres_excluded")),
    ]
    for label, values in rows:
        if values:
            lines.append(f"**{label}:** " + ", ".join(escape_markdown(v) for v in values[:12]))
    if summary.get("era"):
        lines.append(f"**Era:** {escape_markdown(summary['era'])}")
    if summary.get("wish"):
        lines.append(f"**Looking for:** {escape_markdown(summary['wish'])}")
    imported = summary.get("imported_liked", 0) + summary.get("imported_disliked", 0)
    if imported:
        lines.append(f"**Imported ratings:** {imported}")
    if len(lines) == 1:
        return book.render("profile_empty")
    return "\n\n".join(lines)
