"""Import a user's rating history from a CSV export (MovieLens, Letterboxd, IMDb-like, plain).

Columns are detected case-insensitively by name: an item id (``movieId``, ``item_id``), a title
(``title``, ``Name``), an optional ``Year``, and a rating (``rating``, ``Your Rating``, ``stars``).
Ratings end up on the 1–5 scale: a file whose ratings exceed 5 is taken as 10-point and halved.
Title matching is injected (`resolve_history`), so this module only parses and reports.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from chatrec.domain.catalog import Catalog

ID_COLUMNS = ("itemid", "id")
TITLE_COLUMNS = ("title", "name")
YEAR_COLUMNS = ("year", "releaseyear")
RATING_COLUMNS = ("rating", "yourrating", "stars", "score")
MAX_ERRORS_SHOWN = 10

TitleResolver = Callable[[str, int | None], int | None]


class HistoryFormatError(ValueError):
    """The CSV cannot be read as a rating history; the message names the line(s)."""


@dataclass(frozen=True)
class HistoryRow:
    """One parsed rating; ``line`` is the 1-based line in the file (the header is line 1)."""

    line: int
    title: str | None
    item_id: str | None
    year: int | None
    rating: float


@dataclass
class ImportResult:
    """Rows that matched a catalog item (index, 1–5 rating) and those that did not, with why."""

    matched: list[tuple[int, float]] = field(default_factory=list)
    unmatched: list[tuple[int, str, str]] = field(default_factory=list)


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _find(header: Sequence[str], names: Sequence[str]) -> int | None:
    """Position of the first header cell whose normalised name is in ``names`` (by preference)."""
    keys = [_key(h) for h in header]
    for name in names:
        if name in keys:
            return keys.index(name)
    return None


def _read_text(path_or_text: str | Path) -> str:
    """A ``Path`` or an existing file name is read; any other string is the CSV itself."""
    if isinstance(path_or_text, Path):
        return path_or_text.read_text(encoding="utf-8-sig")
    if "\n" not in path_or_text and "," not in path_or_text:
        path = Path(path_or_text)
        if path.is_file() or path.suffix.lower() in (".csv", ".tsv", ".txt"):
            return path.read_text(encoding="utf-8-sig")  # FileNotFoundError names a missing file
    return path_or_text.lstrip("\ufeff")


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        return csv.excel


def parse_history_csv(path_or_text: str | Path, item_words: Sequence[str] = ()
                      ) -> list[HistoryRow]:
    """Parse a ratings export into rows on the 1–5 scale.

    Raises `HistoryFormatError` when the header lacks a rating column or any id/title column, or
    naming every line whose rating or year is unreadable or whose item is blank.
    """
    text = _read_text(path_or_text)
    reader = csv.reader(io.StringIO(text), _dialect(text))
    header = next(reader, None)
    if not header:
        raise HistoryFormatError("line 1: the file is empty; expected a header row")
    # A catalog's own nouns name columns too: "movieId" and "Film" in a movie export.
    ids = (*(f"{w}id" for w in item_words), *ID_COLUMNS)
    cols = {"id": _find(header, ids), "title": _find(header, (*TITLE_COLUMNS, *item_words)),
            "year": _find(header, YEAR_COLUMNS), "rating": _find(header, RATING_COLUMNS)}
    if cols["rating"] is None or (cols["id"] is None and cols["title"] is None):
        raise HistoryFormatError(
            f"line 1: need a rating column and an item id or title column, found {header}")
    raw: list[tuple[int, str | None, str | None, int | None, float]] = []
    errors: list[str] = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        try:
            raw.append(_parse_cells(reader.line_num, cells, cols))
        except ValueError as exc:
            errors.append(f"line {reader.line_num}: {exc}")
    if errors:
        extra = len(errors) - MAX_ERRORS_SHOWN
        more = f" (and {extra} more)" if extra > 0 else ""
        raise HistoryFormatError("; ".join(errors[:MAX_ERRORS_SHOWN]) + more)
    scale = 2.0 if any(r[4] > 5.0 for r in raw) else 1.0  # 10-point exports (IMDb) are halved
    return [HistoryRow(line, title, item_id, year, min(5.0, max(1.0, rating / scale)))
            for line, title, item_id, year, rating in raw]


def _parse_cells(line: int, cells: Sequence[str], cols: dict[str, int | None]
                 ) -> tuple[int, str | None, str | None, int | None, float]:
    def cell(name: str) -> str:
        pos = cols[name]
        return cells[pos].strip() if pos is not None and pos < len(cells) else ""

    item_id, title, year_text, rating_text = cell("id"), cell("title"), cell("year"), cell("rating")
    if not item_id and not title:
        raise ValueError("no item id or title")
    try:
        rating = float(rating_text)
    except ValueError:
        raise ValueError(f"rating {rating_text!r} is not a number") from None
    if not 0.0 <= rating <= 10.0:
        raise ValueError(f"rating {rating_text!r} is outside 0-10")
    if year_text and not year_text.isdecimal():
        raise ValueError(f"year {year_text!r} is not a number")
    return line, title or None, item_id or None, int(year_text) if year_text else None, rating


def resolve_history(rows: Sequence[HistoryRow], catalog: Catalog,
                    resolve_title: TitleResolver) -> ImportResult:
    """Map rows to catalog items: by id when the catalog knows it, else by ``resolve_title``.

    Every row ends up matched or in ``unmatched`` as (line, text, reason); when an item is rated
    twice the later line's rating wins.
    """
    ratings: dict[int, float] = {}
    result = ImportResult()
    for row in rows:
        index, reason = _resolve_row(row, catalog, resolve_title)
        if index is None:
            text = row.title or row.item_id or ""
            text = f"{text} ({row.year})" if row.year else text
            result.unmatched.append((row.line, text, reason))
        else:
            ratings.pop(index, None)  # keep order of the last mention
            ratings[index] = row.rating
    result.matched = list(ratings.items())
    return result


def _resolve_row(row: HistoryRow, catalog: Catalog, resolve_title: TitleResolver
                 ) -> tuple[int | None, str]:
    if row.item_id is not None and catalog.has(row.item_id):
        return catalog.index_of(row.item_id), ""
    if row.title:
        index = resolve_title(row.title, row.year)
        if index is not None:
            return int(index), ""
        return None, "no catalog title matches"
    return None, f"unknown item id {row.item_id}"
