"""Series numbers a catalog's titles do not carry ("batman 2" is the second Batman film by
year, "jurassic park 2" the second title named for it; a books series alike), left alone where
a title has its own number ("alien 3") or the titles are a remake; and a sequel's number naming
the pick on screen rather than the first film inside its words."""

from __future__ import annotations

import pytest

from chatrec.domain.catalog import CatalogInfo, build_catalog
from chatrec.understand.parse import ParseContext, Parser
from chatrec.understand.title_index import series_numbers

FILMS = [("Batman", 1989), ("Batman Returns", 1992), ("Batman Forever", 1995),
         ("Jurassic Park", 1993), ("Lost World: Jurassic Park, The", 1997),
         ("Alien", 1979), ("Alien 3", 1992), ("Alien: Resurrection", 1997),
         ("Cape Fear", 1962), ("Cape Fear", 1991), ("North by Northwest", 1959), ("North", 1994)]
BOOKS = [("Discworld", 1983), ("Discworld: Mort", 1987), ("Discworld: Sourcery", 1988),
         ("Gormenghast", 1950), ("Gormenghast Titus", 1959), ("Heat", 2001)]


def _catalog(rows: list[tuple[str, int]], noun: str):
    records = [{"item_id": str(k), "title": t, "year": y, "genres": ["Drama"], "tags": []}
               for k, (t, y) in enumerate(rows)]
    return build_catalog(records, CatalogInfo(noun=noun))


def _labels(catalog, found: dict[str, int]) -> dict[str, str]:
    return {k: catalog.titles[v] for k, v in found.items()}


def test_a_series_is_numbered_by_year():
    films = _catalog(FILMS, "movie")
    found = _labels(films, series_numbers(films))
    assert found["batman 2"] == "Batman Returns" and found["batman 3"] == "Batman Forever"
    assert found["jurassic park 2"].startswith("Lost World")
    assert not any(k.startswith(("alien", "cape fear", "north")) for k in found)
    books = _catalog(BOOKS, "book")
    found = _labels(books, series_numbers(books))
    assert found["discworld 2"] == "Discworld: Mort"
    assert found["gormenghast 2"] == "Gormenghast Titus"


@pytest.fixture(params=["films", "books"])
def case(request, fake_embedder) -> tuple[Parser, str, str, str]:
    """A parser of a catalog with a series, the series name and its first and second items."""
    if request.param == "films":
        return Parser.from_catalog(_catalog(FILMS, "movie"), fake_embedder), "batman", \
            "Batman", "Batman Returns"
    return Parser.from_catalog(_catalog(BOOKS, "book"), fake_embedder), "discworld", \
        "Discworld", "Discworld: Mort"


def _index(p: Parser, title: str) -> int:
    return list(p.titles.catalog.titles).index(title)


def test_a_series_number_names_its_title_off_screen(case):
    p, name, _, second = case
    parsed = p.parse(f"{name} 2 is lowkey hilarious")
    assert parsed.intent == "like_title" and list(parsed.delta.liked) == [_index(p, second)]


def test_a_series_number_names_the_sequel_on_screen(case):
    p, name, first, second = case
    shown = (_index(p, first), _index(p, second))
    parsed = p.parse(f"{name} 2 was such a letdown", ParseContext.on_screen(shown))
    assert [(r.index, str(r.act)) for r in parsed.reactions] == [(shown[1], "seen_disliked")]


def test_a_year_after_a_shared_name_picks_that_pick(case):
    p, name, first, second = case
    shown = (_index(p, second), _index(p, first))
    year = int(p.titles.catalog.years[shown[1]]) % 100
    parsed = p.parse(f"{name} {year:02d} seen, the best one", ParseContext.on_screen(shown))
    assert [(r.index, str(r.act)) for r in parsed.reactions] == [(shown[1], "seen_liked")]


def test_the_year_one_is_the_pick_of_that_year(case):
    p, _, first, second = case
    shown = (_index(p, first), _index(p, second))
    year = int(p.titles.catalog.years[shown[1]]) % 100
    parsed = p.parse(f"the {year:02d} one i havent seen", ParseContext.on_screen(shown))
    assert [(r.index, str(r.act)) for r in parsed.reactions] == [(shown[1], "not_seen")]
