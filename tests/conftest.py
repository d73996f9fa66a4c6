"""Shared fixtures: tiny synthetic catalogs (films, books) that unit tests can reason about by
hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chatrec.domain.catalog import CatalogInfo, Dataset, build_catalog
from chatrec.models.embedder import HashingEmbedder

TINY_MOVIES = [
    # item_id, title, year, genres, tags, attributes
    ("1", "Heat", 1995, ["Action", "Crime", "Thriller"], ["heist", "tense"], ["director:d1"]),
    ("2", "Fargo", 1996, ["Crime", "Drama", "Thriller"], ["dark comedy"], ["director:d2"]),
    ("3", "Usual Suspects, The", 1995, ["Crime", "Thriller"], ["twist"], ["director:d3"]),
    ("4", "Toy Story", 1995, ["Animation", "Children's", "Comedy"], ["pixar"], ["director:d4"]),
    ("5", "Alien", 1979, ["Horror", "Sci-Fi"], ["space", "scary"], ["director:d5"]),
    ("6", "Aliens", 1986, ["Action", "Sci-Fi"], ["space"], ["director:d6"]),
    ("7", "Scream", 1996, ["Horror", "Thriller"], ["slasher"], ["director:d7"]),
    ("8", "Godfather, The", 1972, ["Crime", "Drama"], ["mafia"], ["director:d8"]),
    ("9", "Reservoir Dogs", 1992, ["Crime", "Thriller"], ["heist"], ["director:d9"]),
    ("10", "Pulp Fiction", 1994, ["Crime", "Drama"], ["nonlinear"], ["director:d9"]),
    ("11", "Lion King, The", 1994, ["Animation", "Children's", "Musical"], ["disney"], []),
    ("12", "Sleepless in Seattle", 1993, ["Comedy", "Romance"], ["romantic"], []),
]

# Three taste clusters (crime, family, sci-fi/horror) so CF has structure to find.
TINY_RATINGS = [
    ("u1", "1", 5), ("u1", "2", 4), ("u1", "3", 5), ("u1", "9", 4),
    ("u2", "1", 4), ("u2", "3", 4), ("u2", "8", 5), ("u2", "10", 5),
    ("u3", "2", 5), ("u3", "9", 5), ("u3", "10", 4), ("u3", "8", 4),
    ("u4", "4", 5), ("u4", "11", 5), ("u4", "12", 3),
    ("u5", "4", 4), ("u5", "11", 4), ("u5", "12", 5),
    ("u6", "5", 5), ("u6", "6", 5), ("u6", "7", 3),
    ("u7", "5", 4), ("u7", "6", 4), ("u7", "1", 3),
    ("u8", "1", 5), ("u8", "9", 4), ("u8", "10", 5), ("u8", "3", 3),
]


# A books catalog with other genre spellings ("Science Fiction", "Mystery & Thriller") and no
# Comedy, Horror or Children's, so movie slang for those genres must not apply.
TINY_BOOKS = [
    # item_id, title, year, genres, tags
    ("b1", "Dune", 1965, ["Science Fiction"], ["desert", "politics"]),
    ("b2", "The Left Hand of Darkness", 1969, ["Science Fiction"], ["gender"]),
    ("b3", "Neuromancer", 1984, ["Science Fiction"], ["cyberpunk"]),
    ("b4", "Gone Girl", 2012, ["Mystery & Thriller"], ["twist", "marriage"]),
    ("b5", "The Girl with the Dragon Tattoo", 2005, ["Mystery & Thriller"], ["journalism"]),
    ("b6", "Rebecca", 1938, ["Mystery & Thriller", "Romance"], ["gothic"]),
    ("b7", "Steve Jobs", 2011, ["Biography"], ["technology"]),
    ("b8", "Educated", 2018, ["Biography"], ["memoir", "family"]),
    ("b9", "The Hobbit", 1937, ["Fantasy"], ["dragons", "quest"]),
    ("b10", "A Game of Thrones", 1996, ["Fantasy"], ["politics", "dragons"]),
    ("b11", "Outlander", 1991, ["Romance", "Fantasy"], ["time travel"]),
    ("b12", "Me Before You", 2012, ["Romance"], ["tearjerker"]),
]
TINY_BOOK_RATINGS = [
    ("r1", "b1", 5), ("r1", "b2", 4), ("r1", "b3", 5), ("r2", "b1", 4), ("r2", "b3", 4),
    ("r3", "b4", 5), ("r3", "b5", 4), ("r3", "b6", 4), ("r4", "b4", 4), ("r4", "b5", 5),
    ("r5", "b7", 5), ("r5", "b8", 4), ("r6", "b9", 5), ("r6", "b10", 5), ("r6", "b11", 3),
    ("r7", "b11", 4), ("r7", "b12", 5), ("r7", "b6", 3), ("r8", "b9", 4), ("r8", "b1", 3),
]


def _dataset(name: str, catalog, ratings) -> Dataset:
    frame = pd.DataFrame({
        "user": [u for u, _, _ in ratings],
        "item": [catalog.index_of(i) for _, i, _ in ratings],
        "rating": np.array([r for _, _, r in ratings], dtype=np.float32),
        "timestamp": np.arange(len(ratings), dtype=np.int64),
    })
    return Dataset(name, catalog, frame, fingerprint=f"{name}0001")


def make_tiny_dataset() -> Dataset:
    """Build the tiny dataset (also usable outside fixtures)."""
    catalog = build_catalog([
        {"item_id": i, "title": t, "year": y, "genres": g, "tags": tg, "attributes": a}
        for i, t, y, g, tg, a in TINY_MOVIES
    ], CatalogInfo(noun="movie", synonym="film"))
    return _dataset("tiny", catalog, TINY_RATINGS)


def make_books_dataset(extra_genres: tuple[str, ...] = ()) -> Dataset:
    """The tiny books dataset; ``extra_genres`` are added to the last book (e.g. "Comedy")."""
    records = [{"item_id": i, "title": t, "year": y, "genres": g, "tags": tg}
               for i, t, y, g, tg in TINY_BOOKS]
    records[-1]["genres"] = [*records[-1]["genres"], *extra_genres]
    return _dataset("books", build_catalog(records, CatalogInfo(noun="book")), TINY_BOOK_RATINGS)


@pytest.fixture
def tiny_dataset() -> Dataset:
    """A 12-movie, 8-user dataset with crime, family and sci-fi/horror clusters."""
    return make_tiny_dataset()


@pytest.fixture
def books_dataset() -> Dataset:
    """A 12-book, 8-reader dataset (science fiction, mystery & thriller, biography...)."""
    return make_books_dataset()


@pytest.fixture
def fake_embedder() -> HashingEmbedder:
    """A model-free embedder with word-overlap semantics."""
    return HashingEmbedder(dim=64)


@pytest.fixture(scope="session")
def tiny_gpt2():
    """(model, tokenizer) of a tiny random GPT-2 with no chat template."""
    from tiny_lm import make_tiny_gpt2

    return make_tiny_gpt2()


def catalog_parser(kind: str, embedder):
    """A parser of the tiny ``"films"`` or ``"books"`` catalog (the understanding tests)."""
    from chatrec.understand.parse import Parser

    make = make_tiny_dataset if kind == "films" else make_books_dataset
    return Parser.from_catalog(make().catalog, embedder)


def title_index(parser, name: str) -> int:
    """The catalog index of the title ``name`` (lower case) in ``parser``'s catalog."""
    return [t.lower() for t in parser.titles.catalog.titles].index(name)
