"""Conversation state and reply composition.

`Conversation` is the per-user state that persists between turns: the accumulated constraints,
the items on screen with their positions, the evidence of everything shown (for "why?"), and
the last question asked (so it is never asked twice in a row). Replies are assembled here from
structured data and templates; the LM's lead-in is only ever a gated first sentence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chatrec.explain.reasons import escape_markdown
from chatrec.profile.replay import constraint_filters, era_label
from chatrec.rank.engine import RankedItem
from chatrec.reply.templates import question, render
from chatrec.understand.parse import Preferences


@dataclass(frozen=True)
class Recommendation:
    """One pick as the outside world sees it; ``explanation`` is a one-line grounded reason."""

    item_id: str
    title: str
    year: int
    genres: tuple[str, ...]
    score: float
    explanation: str


@dataclass(frozen=True)
class Turn:
    """chatrec's answer to one message.

    ``text`` is the reply (markdown, escaped); ``recommendations`` are shown one per message;
    ``explanation`` is a "why this?" answer shown collapsible; ``lead_in_source`` says whether
    the LM or a template wrote the first sentence.
    """

    text: str
    recommendations: tuple[Recommendation, ...] = ()
    intent: str = "unknown"
    explanation: str | None = None
    lead_in_source: str = "template"
    lead_in_seconds: float = 0.0  # time the LM spent on the lead-in (0 without an LM)
    question: str | None = None
    final: bool = True
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage (final turn)


@dataclass
class Conversation:
    """What chatrec remembers between turns of one user's chat."""

    preferences: Preferences = field(default_factory=Preferences)
    shown: list[int] = field(default_factory=list)  # on screen now; position = list index + 1
    ranked: dict[int, RankedItem] = field(default_factory=dict)  # evidence of all shown items
    last_question: str | None = None
    focus: int | None = None  # the item "that one" refers to (last explained)
    turns: int = 0


def constraints_of(preferences: Preferences) -> dict[str, Any]:
    """The JSON-able constraints snapshot stored in the profile (Query's key names)."""
    return {"genres_in": list(preferences.genres_in), "genres_out": list(preferences.genres_out),
            "year_min": preferences.year_min, "year_max": preferences.year_max,
            "text": preferences.wish, "avoid": list(preferences.avoid)}


def preferences_from_constraints(constraints: Mapping[str, Any] | None) -> Preferences:
    """Restore a returning user's preferences from their saved constraints."""
    c = constraints or {}
    return Preferences(genres_in=tuple(c.get("genres_in") or ()),
                       genres_out=tuple(c.get("genres_out") or ()),
                       year_min=c.get("year_min"), year_max=c.get("year_max"),
                       avoid=tuple(c.get("avoid") or ()), wish=c.get("text") or "")


def constraints_phrase(constraints: Mapping[str, Any]) -> str:
    """Plain words for the active filters: ``"Crime, 1990s, not Horror"`` (escaped)."""
    filters = constraint_filters(constraints)
    parts = [escape_markdown(g) for g in sorted(filters.genres_in)]
    era = era_label(filters.year_min, filters.year_max)
    if era:
        parts.append(era)
    parts += [f"not {escape_markdown(g)}" for g in sorted(filters.genres_out)]
    wish = constraints.get("text")
    if wish:
        parts.append(f"'{escape_markdown(str(wish))}'")
    return ", ".join(parts)


def pick_question(constraints: Mapping[str, Any], knows_taste: bool,
                  last_question: str | None) -> str | None:
    """One useful clarifying question, or None; never the same topic twice in a row."""
    filters = constraint_filters(constraints)
    topics = []
    if not filters.genres_in and not constraints.get("text"):
        topics.append("genre")
    if filters.year_min is None and filters.year_max is None:
        topics.append("era")
    if not knows_taste:
        topics.append("title")
    for topic in topics:
        if topic != last_question:
            return topic
    return None


def recommendation_text(lead_in: str, constraints: Mapping[str, Any], topic: str | None) -> str:
    """The reply above the movie messages: the lead-in plus an optional question."""
    text = lead_in
    if topic:
        text += "\n\n" + question(topic)
    return text


def fallback_lead_in(constraints: Mapping[str, Any], seed: str) -> str:
    """The template lead-in used when there is no LM or the gate rejects it."""
    phrase = constraints_phrase(constraints)
    if phrase:
        return render("lead_in_with_filters", seed, filters=phrase)
    return render("lead_in", seed)


def no_results_text(constraints: Mapping[str, Any], seed: str) -> str:
    """What to say when the filters leave nothing to recommend."""
    return render("no_results", seed, filters=constraints_phrase(constraints) or "your request")


def profile_markdown(summary: Mapping[str, Any]) -> str:
    """The profile panel / "what do you know about me" answer, from `profiles.summary`."""
    lines = ["### What I know about you"]
    rows = [
        ("Liked", summary.get("liked")), ("Disliked", summary.get("disliked")),
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
        return render("profile_empty")
    return "\n\n".join(lines)
