"""The catalog-derived vocabulary, the slang files, and the generic loader's catalog.toml."""

from __future__ import annotations

import pytest

from chatrec.domain.catalog import CatalogInfo, build_catalog
from chatrec.domain.loaders import CatalogError, load_dataset
from chatrec.domain.slang_files import SlangError, load_slang
from chatrec.domain.vocabulary import Vocabulary, plural
from chatrec.reply.gate import LeadInGate


def vocabulary_of(genres: list[str], noun: str = "item") -> Vocabulary:
    """The vocabulary of a one-item catalog holding ``genres``."""
    return Vocabulary.from_catalog(build_catalog(
        [{"item_id": 1, "title": "Something", "year": 2000, "genres": genres}],
        CatalogInfo(noun=noun)))


def test_every_catalog_genre_is_an_alias_with_its_plural_and_parts(books_dataset):
    aliases = Vocabulary.from_catalog(books_dataset.catalog).genre_aliases
    for phrase, genre in [("science fiction", "Science Fiction"),
                          ("mystery & thriller", "Mystery & Thriller"),
                          ("mystery and thriller", "Mystery & Thriller"),
                          ("mystery", "Mystery & Thriller"), ("thrillers", "Mystery & Thriller"),
                          ("mysteries", "Mystery & Thriller"), ("biography", "Biography"),
                          ("biographies", "Biography"), ("fantasies", "Fantasy"),
                          ("romances", "Romance")]:
        assert aliases[phrase] == (genre,), phrase


def test_slang_applies_only_where_its_genres_exist(books_dataset, tiny_dataset):
    books = Vocabulary.from_catalog(books_dataset.catalog).genre_aliases
    assert books["sci-fi"] == ("Science Fiction",)  # via the spelling "Science Fiction"
    assert books["whodunit"] == ("Mystery & Thriller",)  # "Mystery" is a part of that genre
    assert books["memoirs"] == ("Biography",)
    assert "rom-com" not in books and "scary" not in books and "kids" not in books
    with_comedy = Vocabulary.from_catalog(build_catalog(
        [{"item_id": 1, "title": "x", "genres": ["Romance", "Comedy"]}])).genre_aliases
    assert with_comedy["rom-com"] == ("Romance", "Comedy")
    movies = Vocabulary.from_catalog(tiny_dataset.catalog).genre_aliases
    assert movies["scary"] == ("Horror",) and "westerns" not in movies  # tiny has no Western


def test_splitting_genre_names_creates_no_harmful_aliases():
    aliases = vocabulary_of(["Film-Noir", "Children's", "Sci-Fi", "Self-Help", "Non-Fiction",
                             "IMAX", "Action-Adventure", "Action/Comedy"], "movie").genre_aliases
    assert aliases["noir"] == ("Film-Noir",) and aliases["film noir"] == ("Film-Noir",)
    assert "film" not in aliases  # an item noun, never a genre
    assert aliases["children"] == ("Children's",) and aliases["childrens"] == ("Children's",)
    assert aliases["sci fi"] == aliases["scifi"] == ("Sci-Fi",)
    for junk in ("sci", "fi", "help", "self", "fiction", "non", "imaxs", "imaxes"):
        assert junk not in aliases, junk
    assert aliases["adventure"] == ("Action-Adventure",)
    assert set(aliases["action"]) == {"Action-Adventure", "Action/Comedy"}
    assert aliases["comedy"] == ("Action/Comedy",)


def test_plural_forms():
    assert [plural(w) for w in ("comedy", "thriller", "biography", "essay", "match")] == [
        "comedies", "thrillers", "biographies", "essays", "matches"]


def test_item_nouns_come_from_the_catalog_and_its_slang(tiny_dataset, books_dataset):
    movies = Vocabulary.from_catalog(tiny_dataset.catalog)
    assert movies.noun == "movie" and {"film", "films", "flick", "flicks"} <= movies.item_words
    books = Vocabulary.from_catalog(books_dataset.catalog)
    assert (books.noun, books.plural) == ("book", "books")
    assert books.item_nouns[:2] == (("book", "books"), ("novel", "novels"))
    assert "movie" not in books.item_words and books.verbs == ("read",)
    games = vocabulary_of(["Strategy"], "game")
    assert games.item_nouns == (("game", "games"),) and games.verbs == ()


def test_years_tags_and_examples(books_dataset, tiny_dataset):
    books = Vocabulary.from_dataset(books_dataset)
    assert (books.year_min, books.year_max) == (1937, 2018)
    assert {"dragons", "time travel"} <= books.tags
    assert books.examples and any("books" in e for e in books.examples)
    assert all("movie" not in e and "film" not in e for e in books.examples)
    assert any(e.startswith("more like ") for e in books.examples)
    movies = Vocabulary.from_catalog(tiny_dataset.catalog)
    assert movies.examples[0] == "something tense from the 90s, I loved Heat, no horror"


def test_a_malformed_slang_file_names_itself(tmp_path):
    (tmp_path / "bad.toml").write_text("[items]\nnouns = ['movie']\n")
    with pytest.raises(SlangError, match="bad.toml.*singular, plural"):
        load_slang(tmp_path)
    (tmp_path / "bad.toml").write_text("[[genre]\n")
    with pytest.raises(SlangError, match="bad.toml"):
        load_slang(tmp_path)


def write_generic(folder, toml: str | None) -> None:
    folder.mkdir()
    (folder / "items.csv").write_text("item_id,title,year,genres\n1,Dune,1965,Science Fiction\n"
                                      "2,Gone Girl,2012,Mystery & Thriller\n")
    (folder / "interactions.csv").write_text("user_id,item_id,rating\nu1,1,5\nu1,2,4\n")
    if toml is not None:
        (folder / "catalog.toml").write_text(toml)


def test_the_generic_loader_reads_the_item_noun_from_catalog_toml(tmp_path):
    write_generic(tmp_path / "shelf", 'noun = "book"\ncredit = "Data by the library"\n')
    catalog = load_dataset(str(tmp_path / "shelf")).catalog
    assert (catalog.info.noun, catalog.info.nouns, catalog.info.credit) == (
        "book", "books", "Data by the library")
    assert "novel" in Vocabulary.from_catalog(catalog).item_words
    write_generic(tmp_path / "plain", None)
    assert load_dataset(str(tmp_path / "plain")).catalog.info.noun == "item"


@pytest.mark.parametrize(("toml", "message"), [
    ("noun = ", "catalog.toml: not valid TOML"),
    ('noun = "book"\ncolour = "red"\n', "unknown key.*colour"),
    ("noun = 3\n", "noun must be a non-empty string"),
])
def test_a_bad_catalog_toml_gets_a_clear_message(tmp_path, toml, message):
    write_generic(tmp_path / "shelf", toml)
    with pytest.raises(CatalogError, match=message):
        load_dataset(str(tmp_path / "shelf"))


def test_the_gate_speaks_the_catalogs_language(books_dataset):
    gate = LeadInGate(books_dataset.catalog)
    assert gate.check("A few great novels for the weekend.", []).ok
    assert gate.check("Something good to read tonight.", []).ok
    verdict = gate.check("Here is a movie marathon.", [])
    assert not verdict.ok and verdict.reason == "off topic: no book words"
    shown = [books_dataset.catalog.index_of("b4")]
    assert gate.check("If you liked Gone Girl, these books will grip you.", shown).ok
    assert gate.check("You will love The Left Hand of Darkness.", shown).reason.startswith(
        "title")
