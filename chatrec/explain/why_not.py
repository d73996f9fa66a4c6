"""Answer "why not X?": every constraint or profile mark that keeps an item out, else its rank."""

from __future__ import annotations

from chatrec.candidates.base import Query
from chatrec.domain.catalog import Catalog
from chatrec.explain.reasons import in_years
from chatrec.explain.words import era_label, escape_markdown, listing, title, with_article


def explain_why_not(catalog: Catalog, item_index: int, query: Query | None,
                    rank: int | None, disliked: bool, shown: bool, *, liked: bool = False) -> str:
    """Why an item was not recommended: every blocker that applies, else its rank."""
    name, f, noun = title(catalog, item_index), query or Query(), catalog.info.prose_noun
    genres, year = catalog.genres[item_index], int(catalog.years[item_index])
    blockers = [f"You gave {name} a 👎."] if disliked else []
    if liked:
        blockers.append(f"You already liked {name}, so it is not suggested again.")
    banned = [escape_markdown(g) for g in genres if g in f.genres_out]
    if banned:
        kind = with_article(listing(banned, "and"))
        said = listing([b.lower() for b in banned], "or")
        blockers.append(f"{name} is {kind} {noun}, and you said no {said}.")
    if f.genres_in and not set(genres) & f.genres_in:
        wanted = with_article(listing([escape_markdown(g) for g in sorted(f.genres_in)], "or"))
        blockers.append(f"{name} is not {wanted} {noun}, which you asked for.")
    era = era_label(f.year_min, f.year_max)
    if era and not in_years(year, f):
        when = f"is from {year}" if year else "has no known year"
        blockers.append(f"{name} {when}, outside the years you asked for ({era}).")
    if shown:
        blockers.append(f"{name} was already shown to you.")
    if blockers:
        return " ".join(blockers)
    if rank is not None:
        return f"{name} ranked #{rank} for you."
    return f"{name} is not among the candidates for your current request."
