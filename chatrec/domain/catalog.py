"""The item catalog and the interaction log that every stage reads.

Items are addressed two ways: a stable string ``item_id`` (what users, the store and the UI see)
and a dense ``index`` 0..n-1 (what matrices and embeddings use). Converting between them is the
catalog's job, so no other module keeps its own mapping.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
import scipy.sparse as sp

# Articles that MovieLens moves to the end of a title ("Usual Suspects, The").
TRAILING_ARTICLES = ("the", "a", "an", "les", "la", "le", "l'", "il", "el", "das", "der", "die")
_TRAILING_ARTICLE_RE = re.compile(
    r"^(?P<body>.*?),\s*(?P<article>" + "|".join(re.escape(a) for a in TRAILING_ARTICLES) + r")$",
    re.IGNORECASE,
)
_YEAR_SUFFIX_RE = re.compile(r"\s*\((\d{4})(?:[-–]\d{0,4})?\)\s*$")
_PUNCT_RE = re.compile(r"[^\w\s]")
_LEADING_ARTICLE_RE = re.compile(r"^(the|a|an)\s+")


def split_title_year(raw: str) -> tuple[str, int | None]:
    """Split ``"Heat (1995)"`` into ``("Heat", 1995)``; a title without a year gives ``None``."""
    match = _YEAR_SUFFIX_RE.search(raw)
    if not match:
        return raw.strip(), None
    return raw[: match.start()].strip(), int(match.group(1))


def display_title(raw: str) -> str:
    """Move a trailing article to the front: ``"Usual Suspects, The"`` -> ``"The Usual Suspects"``.

    A parenthesised alternative title stays where it is ("Nikita (La Femme Nikita)").
    """
    head, paren, rest = raw.partition(" (")
    match = _TRAILING_ARTICLE_RE.match(head.strip())
    if match:
        article = match.group("article")
        joiner = "" if article.endswith("'") else " "
        head = f"{article}{joiner}{match.group('body')}"
    return head + (paren + rest if paren else "")


_N_AND_RE = re.compile(r"(?<=\w) n (?=\w)")


def normalize_title(text: str) -> str:
    """A matching key: lower case, no accents, year, punctuation or leading/trailing article.

    ``normalize_title("Usual Suspects, The (1995)") == normalize_title("the usual suspects")``.
    """
    title, _ = split_title_year(text)
    title = display_title(title)
    title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    title = _PUNCT_RE.sub(" ", title.lower().replace("&", " and "))
    title = " ".join(title.split())
    title = _N_AND_RE.sub(" and ", title)  # "dumb n dumber", "rock n roll": a typed "&"
    return _LEADING_ARTICLE_RE.sub("", title)


@dataclass(frozen=True)
class CatalogInfo:
    """What a catalog is about: the word for one item, and whom to credit for the data.

    Loaders set it (MovieLens: "movie", crediting GroupLens); a generic catalog reads it from an
    optional ``catalog.toml``. Replies, explanations and the UI take their nouns from here.
    """

    noun: str = "item"
    plural: str = ""  # defaults to noun + "s"
    synonym: str = ""  # another word for one item, for variety in prose ("film"); default noun
    credit: str = ""  # markdown shown in the UI footer, e.g. "MovieLens data by GroupLens"

    @property
    def nouns(self) -> str:
        """The plural noun ("movies", "books")."""
        return self.plural or f"{self.noun}s"

    @property
    def prose_noun(self) -> str:
        """The word explanations use for one item ("a Horror film")."""
        return self.synonym or self.noun


@dataclass(frozen=True)
class Catalog:
    """Items with their metadata. All sequences are aligned by item index."""

    item_ids: tuple[str, ...]
    titles: tuple[str, ...]
    years: np.ndarray  # int32; 0 when unknown
    genres: tuple[tuple[str, ...], ...]
    tags: tuple[tuple[str, ...], ...] = ()
    # Content tokens such as "director:m.0abc" (ml-100k's Freebase entities); no names.
    attributes: tuple[tuple[str, ...], ...] = ()
    # Optional free text per item (a blurb, a synopsis); "" when the catalog has none.
    descriptions: tuple[str, ...] = ()
    info: CatalogInfo = field(default_factory=CatalogInfo, compare=False)
    _index: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        n = len(self.item_ids)
        if not self.tags:
            object.__setattr__(self, "tags", tuple(() for _ in range(n)))
        if not self.attributes:
            object.__setattr__(self, "attributes", tuple(() for _ in range(n)))
        if not self.descriptions:
            object.__setattr__(self, "descriptions", tuple("" for _ in range(n)))
        lengths = {len(self.titles), len(self.years), len(self.genres), len(self.tags),
                   len(self.attributes), len(self.descriptions)}
        if lengths != {n}:
            raise ValueError(f"catalog columns differ in length: {sorted(lengths)} vs {n} ids")
        index = {item_id: i for i, item_id in enumerate(self.item_ids)}
        if len(index) != n:
            raise ValueError("catalog has duplicate item ids")
        object.__setattr__(self, "_index", index)

    def __len__(self) -> int:
        return len(self.item_ids)

    def index_of(self, item_id: str | int) -> int:
        """The dense index of an item id; raises ``KeyError`` naming the id when unknown."""
        try:
            return self._index[str(item_id)]
        except KeyError:
            raise KeyError(f"unknown item id {item_id!r}") from None

    def has(self, item_id: str | int) -> bool:
        """Whether the catalog holds this item id."""
        return str(item_id) in self._index

    def label(self, index: int) -> str:
        """Human title with year, e.g. ``"The Usual Suspects (1995)"``."""
        year = int(self.years[index])
        return f"{self.titles[index]} ({year})" if year else self.titles[index]

    def text(self, index: int) -> str:
        """The text embedded for semantic matching: title, year, genres, tags, description."""
        parts = [self.label(index)]
        if self.genres[index]:
            parts.append("Genres: " + ", ".join(self.genres[index]))
        if self.tags[index]:
            parts.append("Tags: " + ", ".join(self.tags[index][:20]))
        if self.descriptions[index]:
            parts.append(self.descriptions[index])
        return ". ".join(parts)

    def texts(self) -> list[str]:
        """``text`` for every item, in index order."""
        return [self.text(i) for i in range(len(self))]

    @cached_property
    def genre_names(self) -> tuple[str, ...]:
        """The sorted genre vocabulary of this catalog."""
        return tuple(sorted({g for gs in self.genres for g in gs}))

    @cached_property
    def genre_matrix(self) -> sp.csr_matrix:
        """Items × genres indicator matrix, columns in ``genre_names`` order."""
        col = {g: j for j, g in enumerate(self.genre_names)}
        rows = [i for i, gs in enumerate(self.genres) for _ in gs]
        cols = [col[g] for gs in self.genres for g in gs]
        data = np.ones(len(rows), dtype=np.float32)
        return sp.csr_matrix((data, (rows, cols)), shape=(len(self), len(col)))

    @cached_property
    def normalized_titles(self) -> tuple[str, ...]:
        """``normalize_title`` of every title, for matching."""
        return tuple(normalize_title(t) for t in self.titles)


@dataclass(frozen=True)
class Dataset:
    """A catalog plus its interaction log.

    ``interactions`` has columns ``user`` (str), ``item`` (int index), ``rating`` (float) and
    ``timestamp`` (int). ``fingerprint`` hashes the source files so caches can key on it.
    """

    name: str
    catalog: Catalog
    interactions: pd.DataFrame
    fingerprint: str

    @cached_property
    def user_ids(self) -> tuple[str, ...]:
        """Users in first-seen order; a user's row in ``rating_matrix`` is its position here."""
        return tuple(pd.unique(self.interactions["user"]))

    def rating_counts(self) -> np.ndarray:
        """How many ratings each item has, by item index (its popularity)."""
        return np.bincount(self.interactions["item"].to_numpy(), minlength=len(self.catalog))

    def rating_matrix(self, interactions: pd.DataFrame | None = None) -> sp.csr_matrix:
        """Users × items CSR of ratings (rows follow ``user_ids``); a subset may be passed."""
        frame = self.interactions if interactions is None else interactions
        rows = pd.Categorical(frame["user"], categories=self.user_ids).codes
        if (rows < 0).any():
            raise ValueError("interactions mention users that are not in this dataset")
        return sp.csr_matrix(
            (frame["rating"].to_numpy(np.float32), (rows, frame["item"].to_numpy())),
            shape=(len(self.user_ids), len(self.catalog)),
        )


def hash_files(paths: Iterable[object], extra: str = "") -> str:
    """SHA-256 (hex) of the files' contents, read in 1 MiB blocks, after an extra string."""
    digest = hashlib.sha256(extra.encode())
    for path in paths:
        with open(path, "rb") as handle:  # noqa: PTH123 - plain open keeps this generic
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def fingerprint_files(paths: Iterable[object], extra: str = "") -> str:
    """A short content hash of the given files (plus an extra string), for cache keys."""
    return hash_files(paths, extra)[:16]


def build_catalog(records: Sequence[dict], info: CatalogInfo | None = None) -> Catalog:
    """Build a catalog from dicts with keys item_id, title, year, genres[, tags, attributes,
    description]."""
    return Catalog(
        item_ids=tuple(str(r["item_id"]) for r in records),
        titles=tuple(str(r["title"]) for r in records),
        years=np.array([int(r.get("year") or 0) for r in records], dtype=np.int32),
        genres=tuple(tuple(r.get("genres", ())) for r in records),
        tags=tuple(tuple(r.get("tags", ())) for r in records),
        attributes=tuple(tuple(r.get("attributes", ())) for r in records),
        descriptions=tuple(str(r.get("description") or "").strip() for r in records),
        info=info or CatalogInfo(),
    )
