"""Reading catalog tables with errors that name the file, the line and what is wrong."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


class CatalogError(ValueError):
    """A catalog file is missing or malformed; the message says where and what."""


def read_table(path: Path, **kwargs: object) -> pd.DataFrame:
    """pandas.read_csv with errors that name the file (pandas names the line)."""
    if not path.exists():
        raise CatalogError(f"{path}: file not found")
    try:
        return pd.read_csv(path, **kwargs)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise CatalogError(f"{path}: {exc}") from exc


def require_columns(frame: pd.DataFrame, path: Path, columns: list[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise CatalogError(f"{path}, line 1: missing column(s) {', '.join(missing)}; "
                           f"found {', '.join(map(str, frame.columns))}")
