"""Answers to questions about one item ("what is it about?", "who is in it?", "is #1 scary?",
"how old is it?", "how popular?", "is it any good?") from what the catalog knows: genres,
year, tags, the optional description, rating count and average, and similar items.

Nothing here is written by a language model: every sentence is a template filled with catalog
facts (escaped), and a question the catalog cannot answer ("who is in it?" without cast data)
says so plainly.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from chatrec.candidates.base import Query
from chatrec.dialogue.query import Ranker
from chatrec.domain.catalog import Catalog
from chatrec.explain.words import escape_markdown, listing, titles
from chatrec.reply.templates import Phrasebook
from chatrec.understand.chat_acts import phrases

MAX_TAGS = 6
SIMILAR_ITEMS = 3
MIN_RATINGS_FOR_MEDIAN = 20  # the "typical item" average ignores items rated by a handful


class ItemAnswers:
    """Answers item questions for one catalog; rating figures come from the ranker's
    popularity source when the engine has one."""

    def __init__(self, catalog: Catalog, ranker: Ranker, book: Phrasebook) -> None:
        self.catalog, self.ranker, self.book = catalog, ranker, book
        data = phrases()["questions"]
        self._aspect_words = {k: tuple(v) for k, v in data["aspects"].items()}
        self._aspect_genres = {k: tuple(v) for k, v in data["aspect_genres"].items()}

    def answer(self, index: int, kind: str, aspect: str = "") -> str:
        """The reply to a ``kind`` question (see `chatrec.understand.questions`) about an item."""
        method = getattr(self, f"_{kind}", self._about)
        return method(index, aspect)

    # -- facts ---------------------------------------------------------------------------------
    def _fields(self, index: int) -> dict[str, str]:
        year = int(self.catalog.years[index])
        genres = [escape_markdown(g) for g in self.catalog.genres[index]]
        noun = self.catalog.info.prose_noun
        kind = f"{listing(genres, 'and')} {noun}" if genres else noun
        return {"title": escape_markdown(self.catalog.label(index)),
                "what": f"{'an' if kind[:1].lower() in 'aeiou' else 'a'} {kind}",
                "year_part": f" from {year}" if year else ""}

    def _tags(self, index: int) -> list[str]:
        return [escape_markdown(t) for t in self.catalog.tags[index][:MAX_TAGS]]

    def _description(self, index: int) -> str:
        descriptions = getattr(self.catalog, "descriptions", ())
        return descriptions[index].strip() if index < len(descriptions) else ""

    @cached_property
    def _stats(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(rating counts, mean ratings) of every item, or None without a popularity source."""
        source = self.ranker.engine.sources.get("popularity")
        if source is None:
            return None
        rows = source.evidence(Query(), np.arange(len(self.catalog)))
        return (np.array([r["n_ratings"] for r in rows]),
                np.array([r["mean_rating"] for r in rows], dtype=float))

    def _similar(self, index: int) -> list[int]:
        query = Query(history=np.array([index]), exclude=np.array([index]))
        return [r.item_index for r in self.ranker.rank(query, SIMILAR_ITEMS)]

    # -- one method per question kind ----------------------------------------------------------
    def _about(self, index: int, aspect: str = "") -> str:
        fields = self._fields(index)
        parts = [self.book.render("answer_about", **fields)]
        description = self._description(index)
        parts.append(escape_markdown(description) if description
                     else self.book.render("answer_no_description"))
        if self._tags(index):
            parts.append(self.book.render("answer_tags", tags=", ".join(self._tags(index))))
        similar = self._similar(index)
        if similar:
            parts.append(self.book.render("answer_similar", titles=titles(self.catalog, similar)))
        return " ".join(parts)

    def _cast(self, index: int, aspect: str = "") -> str:
        return self.book.render("answer_cast", **self._fields(index))

    def _content(self, index: int, aspect: str = "") -> str:
        fields = self._fields(index)
        if not aspect:
            return self.book.render("answer_content_plain", **fields)
        words = self._aspect_words.get(aspect, (aspect,))
        tags = [t for t in self.catalog.tags[index] if any(w in t.lower() for w in words)]
        if tags:
            shown = ", ".join(escape_markdown(t) for t in tags[:MAX_TAGS])
            return self.book.render("answer_content_tags", tags=shown, aspect=aspect, **fields)
        hints = self._aspect_genres.get(aspect, ())
        if any(h in g.lower() for g in self.catalog.genres[index] for h in hints):
            return self.book.render("answer_content_genre", aspect=aspect, **fields)
        return self.book.render("answer_content_none", aspect=aspect, **fields)

    def _age(self, index: int, aspect: str = "") -> str:
        fields, years = self._fields(index), self.catalog.years
        year = int(years[index])
        if not year:
            return self.book.render("answer_age_unknown", **fields)
        known = years[years > 0]
        older = round(100 * float(np.mean(known > year)))
        return self.book.render("answer_age", year=year, older=older, first=int(known.min()),
                                last=int(known.max()), **fields)

    def _popularity(self, index: int, aspect: str = "") -> str:
        fields = self._fields(index)
        if self._stats is None:
            return self.book.render("answer_no_stats", **fields)
        counts = self._stats[0]
        n = int(counts[index])
        if n == 0:
            return self.book.render("answer_unrated", **fields)
        return self.book.render(
            "answer_popularity", ratings=_ratings(n), share=round(100 * float(
                np.mean(counts < n))), rank=int(np.sum(counts > n)) + 1, total=len(counts),
            **fields)

    def _rating(self, index: int, aspect: str = "") -> str:
        fields = self._fields(index)
        if self._stats is None:
            return self.book.render("answer_no_stats", **fields)
        counts, means = self._stats
        n = int(counts[index])
        if n == 0:
            return self.book.render("answer_unrated", **fields)
        rated = means[counts >= MIN_RATINGS_FOR_MEDIAN]
        median = float(np.median(rated if rated.size else means[counts > 0]))
        return self.book.render("answer_rating", mean=f"{means[index]:.1f}", ratings=_ratings(n),
                                median=f"{median:.1f}", **fields)


def _ratings(n: int) -> str:
    """``1 rating`` / ``212 ratings``."""
    return f"{n} rating" if n == 1 else f"{n} ratings"
