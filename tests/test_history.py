"""Rating-history import: format detection, scale normalisation, errors, catalog resolution."""

from __future__ import annotations

import pytest

from chatrec.domain.catalog import normalize_title
from chatrec.domain.history import (
    HistoryFormatError,
    HistoryRow,
    parse_history_csv,
    resolve_history,
)

MOVIE_WORDS = ("movie", "film")  # a movie catalog's nouns also name export columns


def exact_resolver(catalog):
    """Exact normalised-title match, preferring the given year (a stand-in for TitleMatcher)."""
    def resolve(title: str, year: int | None) -> int | None:
        hits = [i for i, t in enumerate(catalog.normalized_titles) if t == normalize_title(title)]
        dated = [i for i in hits if year is None or int(catalog.years[i]) == year]
        return (dated or [None])[0]
    return resolve


def test_movielens_ids():
    rows = parse_history_csv("userId,movieId,rating,timestamp\n1,1,4.0,9\n1,9,3.5,9\n", MOVIE_WORDS)
    assert rows == [HistoryRow(2, None, "1", None, 4.0), HistoryRow(3, None, "9", None, 3.5)]


def test_letterboxd_half_stars_and_case_insensitive_header():
    text = ("Date,Name,Year,Letterboxd URI,Rating\n"
            "2024-01-01,Heat,1995,https://boxd.it/x,4.5\n"
            "2024-01-02,\"Usual Suspects, The\",1995,https://boxd.it/y,0.5\n")
    rows = parse_history_csv(text)
    assert [(r.line, r.title, r.year, r.rating) for r in rows] == [
        (2, "Heat", 1995, 4.5), (3, "Usual Suspects, The", 1995, 1.0)]  # 0.5★ floors to 1


def test_ten_point_scale_is_halved_for_the_whole_file():
    rows = parse_history_csv("Const,Your Rating,Title,Year\ntt1,10,Heat,1995\ntt2,4,Alien,1979\n")
    assert [r.rating for r in rows] == [5.0, 2.0]
    assert rows[0].item_id is None  # an IMDb id is not a catalog id


def test_title_rating_with_semicolons_and_a_bom():
    rows = parse_history_csv("\ufeffTITLE;RATING\nFargo;5\n\nToy Story;3\n")
    assert [(r.line, r.title, r.rating) for r in rows] == [(2, "Fargo", 5.0), (4, "Toy Story", 3.0)]


def test_reads_a_path(tmp_path):
    path = tmp_path / "ratings.csv"
    path.write_text("item_id,rating\n5,2\n", encoding="utf-8")
    assert parse_history_csv(path) == parse_history_csv(str(path))
    assert parse_history_csv(path)[0].item_id == "5"
    with pytest.raises(FileNotFoundError):
        parse_history_csv(str(tmp_path / "missing.csv"))


def test_bad_rows_are_named_by_line():
    text = "title,rating\nHeat,5\nFargo,great\nAlien,11\n,4\n"
    with pytest.raises(HistoryFormatError) as info:
        parse_history_csv(text)
    message = str(info.value)
    assert "line 3: rating 'great'" in message and "line 4: rating '11'" in message
    assert "line 5: no item id or title" in message and "line 2" not in message


@pytest.mark.parametrize("text", ["", "title,year\nHeat,1995\n", "rating\n5\n"])
def test_missing_columns_are_refused(text):
    with pytest.raises(HistoryFormatError, match="line 1"):
        parse_history_csv(text)


def test_resolve_reports_every_unmatched_row(tiny_dataset):
    catalog = tiny_dataset.catalog
    rows = parse_history_csv("movieId,title,year,rating\n"
                             "2,,,4\n"           # id match
                             "999,Heat,1995,5\n"  # unknown id, falls back to the title
                             "998,,,3\n"         # unknown id, no title
                             ",The Usual Suspects,1995,4\n"
                             ",Heat,2020,2\n"    # wrong year: no match
                             ",Nonexistent Film,,5\n"
                             "2,,,2\n", MOVIE_WORDS)  # Fargo again: the later rating wins
    result = resolve_history(rows, catalog, exact_resolver(catalog))
    idx = catalog.index_of
    assert result.matched == [(idx("1"), 5.0), (idx("3"), 4.0), (idx("2"), 2.0)]
    assert result.unmatched == [(4, "998", "unknown item id 998"),
                                (6, "Heat (2020)", "no catalog title matches"),
                                (7, "Nonexistent Film", "no catalog title matches")]
    assert len(result.matched) + len(result.unmatched) == len(rows) - 1  # one duplicate merged
