"""Words shared by every explanation: escaping, titles, people, lists and eras.

Every user- or file-derived string that reaches a reply passes `escape_markdown` once.
"""

from __future__ import annotations

from collections.abc import Sequence

from chatrec.domain.catalog import Catalog, display_title
from chatrec.domain.vocabulary import article

_HTML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_MARKDOWN_SPECIAL = frozenset("\\`*_[]()#")


def escape_markdown(text: str) -> str:
    """Make text render literally in markdown/HTML: ``& < >`` become entities, and
    ``\\ ` * _ [ ] ( ) #`` get a backslash (one pass, so nothing is escaped twice)."""
    return "".join(_HTML_ESCAPES.get(ch) or ("\\" + ch if ch in _MARKDOWN_SPECIAL else ch)
                   for ch in str(text))


def era_label(year_min: int | None, year_max: int | None) -> str | None:
    """Plain words for a year range: ``1990s``, ``1980–1995``, ``from 1990``, ``before 2000``."""
    if year_min is None and year_max is None:
        return None
    if year_min is None:
        return f"up to {year_max}"
    if year_max is None:
        return f"from {year_min}"
    if year_min % 10 == 0 and year_max == year_min + 9:
        return f"{year_min}s"
    return str(year_min) if year_min == year_max else f"{year_min}–{year_max}"


def title(catalog: Catalog, index: int) -> str:
    """An item's title in emphasis, escaped: ``*The Usual Suspects*``."""
    return f"*{escape_markdown(display_title(catalog.titles[index]))}*"


def titles(catalog: Catalog, indices: Sequence[int]) -> str:
    """Several titles joined with commas and "and"."""
    names = [title(catalog, i) for i in indices]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def people(n: int) -> str:
    """``1 person`` / ``3 people``."""
    return f"{n} {'person' if n == 1 else 'people'}"


def listing(words: Sequence[str], joiner: str) -> str:
    """``a``, ``a or b``, ``a, b and c``."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" {joiner} " + words[-1]


def with_article(word: str) -> str:
    """``a Crime``, ``an Animation``."""
    return f"{article(word)} {word}"
