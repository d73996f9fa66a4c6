"""Each catalog loader on small files it writes itself, including malformed ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatrec.domain.loaders import CatalogError, load_dataset


def write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


@pytest.fixture
def movielens_csv(tmp_path: Path) -> Path:
    folder = tmp_path / "mlcsv"
    write(folder, "movies.csv", 'movieId,title,genres\n'
          '1,"Usual Suspects, The (1995)",Crime|Thriller\n'
          "2,Toy Story (1995),Animation|Children\n3,Nameless,(no genres listed)\n")
    write(folder, "ratings.csv",
          "userId,movieId,rating,timestamp\n1,1,4.5,10\n1,2,3,11\n2,1,5,12\n")
    write(folder, "tags.csv",
          "userId,movieId,tag,timestamp\n1,1,Twist,1\n2,1,twist,2\n1,1,Crime,3\n")
    return folder


def test_movielens_csv_loader(movielens_csv: Path) -> None:
    data = load_dataset(str(movielens_csv))
    catalog = data.catalog
    i = catalog.index_of("1")
    assert catalog.titles[i] == "The Usual Suspects" and catalog.years[i] == 1995
    assert catalog.genres[catalog.index_of("2")] == ("Animation", "Children's")
    assert catalog.genres[catalog.index_of("3")] == ()
    assert catalog.tags[i][0] == "twist"  # most frequent tag first, lower-cased
    assert len(data.interactions) == 3 and data.interactions["rating"].max() == 5


def test_movielens_csv_bad_rating_names_file_and_line(movielens_csv: Path) -> None:
    write(movielens_csv, "ratings.csv", "userId,movieId,rating,timestamp\n1,1,4,10\n1,2,great,11\n")
    with pytest.raises(CatalogError, match=r"ratings\.csv, line 3: column 'rating'"):
        load_dataset(str(movielens_csv))


def test_movielens_csv_unknown_item_is_reported(movielens_csv: Path) -> None:
    write(movielens_csv, "ratings.csv", "userId,movieId,rating,timestamp\n1,77,4,10\n")
    with pytest.raises(CatalogError, match=r"line 2: item '77' is not in the catalog"):
        load_dataset(str(movielens_csv))


def test_missing_column_is_reported(movielens_csv: Path) -> None:
    write(movielens_csv, "movies.csv", "movieId,name\n1,Heat\n")
    with pytest.raises(CatalogError, match=r"movies\.csv, line 1: missing column\(s\) title"):
        load_dataset(str(movielens_csv))


def test_ml1m_dat_loader(tmp_path: Path) -> None:
    folder = tmp_path / "ml1m"
    write(folder, "movies.dat", "1::Heat (1995)::Action|Crime\n2::Fargo (1996)::Crime\n")
    write(folder, "ratings.dat", "1::1::5::978300760\n1::2::4::978300761\n")
    data = load_dataset(str(folder))
    assert data.catalog.label(data.catalog.index_of("2")) == "Fargo (1996)"
    assert list(data.interactions["rating"]) == [5, 4]


def test_ml1m_bad_line(tmp_path: Path) -> None:
    folder = tmp_path / "ml1m"
    write(folder, "movies.dat", "1::Heat (1995)::Action\n2::Fargo (1996)\n")
    write(folder, "ratings.dat", "")
    with pytest.raises(CatalogError, match=r"movies\.dat, line 2: expected 3 fields"):
        load_dataset(str(folder))


def test_generic_loader_with_defaults(tmp_path: Path) -> None:
    folder = tmp_path / "byo"
    write(folder, "items.csv", "item_id,title,year,genres\nb1,Dune,1965,Sci-Fi|Adventure\n"
          "b2,Emma,,Romance\n")
    write(folder, "interactions.csv", "user_id,item_id\nana,b1\nben,b2\n")
    data = load_dataset(str(folder))
    assert data.catalog.genres[data.catalog.index_of("b1")] == ("Sci-Fi", "Adventure")
    assert data.catalog.years[data.catalog.index_of("b2")] == 0
    assert list(data.interactions["rating"]) == [1.0, 1.0]


def test_generic_loader_bad_year(tmp_path: Path) -> None:
    folder = tmp_path / "byo"
    write(folder, "items.csv", "item_id,title,year\nb1,Dune,soon\n")
    write(folder, "interactions.csv", "user_id,item_id\n")
    with pytest.raises(CatalogError, match=r"items\.csv, line 2: year must be a number"):
        load_dataset(str(folder))


def test_unknown_spec_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="unknown catalog"):
        load_dataset(str(tmp_path / "nope"))
    with pytest.raises(CatalogError, match="no movies.csv"):
        load_dataset(str(tmp_path))


def test_fingerprint_changes_with_content(movielens_csv: Path) -> None:
    before = load_dataset(str(movielens_csv)).fingerprint
    write(movielens_csv, "ratings.csv", "userId,movieId,rating,timestamp\n1,1,1,10\n")
    assert load_dataset(str(movielens_csv)).fingerprint != before


@pytest.mark.integration
def test_packaged_ml100k_quirks_are_cleaned() -> None:
    data = load_dataset("ml-100k")
    catalog = data.catalog
    assert len(catalog) == 1682 and len(data.interactions) == 100_000
    assert catalog.titles[catalog.index_of("12")] == "The Usual Suspects"
    assert catalog.titles[catalog.index_of("267")].startswith("Unknown movie")
    assert catalog.years[catalog.index_of("1412")] == 1995  # year "V" recovered from the title
    assert "unknown" not in catalog.genre_names
    assert any(a.startswith("director:") for a in catalog.attributes[catalog.index_of("100")])


def test_generic_loader_reads_description_and_free_tags(tmp_path: Path) -> None:
    folder = tmp_path / "byo"
    write(folder, "items.csv", "item_id,title,genres,tags,description\n"
          'b1,Dune,Sci-Fi,desert| spice ,"A boy, a desert planet and a prophecy."\n'
          "b2,Emma,Romance,,\n")
    write(folder, "interactions.csv", "user_id,item_id\nana,b1\n")
    catalog = load_dataset(str(folder)).catalog
    b1, b2 = catalog.index_of("b1"), catalog.index_of("b2")
    assert catalog.descriptions[b1] == "A boy, a desert planet and a prophecy."
    assert catalog.tags[b1] == ("desert", "spice") and catalog.tags[b2] == ()
    assert catalog.descriptions[b2] == ""
    assert "desert planet" in catalog.text(b1) and "spice" in catalog.text(b1)


def test_description_is_empty_when_the_column_is_absent(movielens_csv: Path) -> None:
    catalog = load_dataset(str(movielens_csv)).catalog
    assert catalog.descriptions == ("", "", "")
