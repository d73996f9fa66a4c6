"""A simulated chat user who hunts for one held-out movie, speaking only in words.

The user knows its target's genres and decade and its own training ratings, never the target's
title: every message it writes is checked against the title (``assert_no_leak``). One act per
turn: 1) a genre of the target, 2) its decade, 3) a liked training movie that is close to the
target in the *training* co-rating matrix, 4+) alternately another genre and another liked
movie, then "anything else?". Each act has a bank of phrasings drawn with a seeded generator,
so a run is repeatable and every engine variant hears exactly the same words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from chatrec.domain.catalog import Catalog, normalize_title

LIKE_RATING = 4.0  # a training rating this high is a "like" (and makes a test item a target)
MAX_DISLIKES = 3  # thumbs-down per reply

TEMPLATES: dict[str, tuple[str, ...]] = {
    "genre": ("got any good {many}?", "in the mood for {one}", "I feel like watching {one}",
              "can you recommend some {many}?", "show me some {many}", "looking for {one}",
              "what are some great {many}?", "I'd love {one} tonight", "any {many} to suggest?",
              "recommend me {one}, please", "I'm craving {one}", "let's do {many} tonight"),
    "decade": ("something from the {decade}", "preferably {decade}",
               "ideally from the {decade}", "I'd like something made in the {decade}",
               "{decade} movies would be great", "can it be from the {decade}?",
               "maybe something from the {decade}", "only {decade} stuff please",
               "how about the {decade}?", "anything from the {decade}?",
               "make it a {decade} movie"),
    "title": ("I really liked {title}", "more like {title}", "{title} is one of my favourites",
              "I loved {title}", "something similar to {title}",
              "have you got anything like {title}?", "I enjoyed {title} a lot",
              "{title} was great", "big fan of {title}", "movies like {title}, please",
              "I'm into stuff like {title}"),
    "more": ("show me something else", "any other ideas?", "what else have you got?",
             "other options please", "hmm, not quite, anything else?", "give me a few more",
             "keep going", "different ones please", "none of those, try again",
             "what else would you suggest?"),
}

# Genre -> (one, many): words the chat NLU knows, e.g. ("a thriller", "thrillers").
GENRE_FORMS: dict[str, tuple[str, str]] = {
    "Action": ("an action movie", "action movies"), "Adventure": ("an adventure", "adventures"),
    "Animation": ("an animated film", "animated movies"),
    "Children's": ("a family movie", "kids movies"), "Comedy": ("a comedy", "comedies"),
    "Crime": ("a crime movie", "crime films"), "Documentary": ("a documentary", "documentaries"),
    "Drama": ("a drama", "dramas"), "Fantasy": ("a fantasy film", "fantasy movies"),
    "Film-Noir": ("a film noir", "noir films"), "Horror": ("a horror movie", "horror films"),
    "Musical": ("a musical", "musicals"), "Mystery": ("a mystery", "mysteries"),
    "Romance": ("a romance", "romantic movies"), "Sci-Fi": ("a sci-fi movie", "sci-fi films"),
    "Thriller": ("a thriller", "thrillers"), "War": ("a war movie", "war films"),
    "Western": ("a western", "westerns"), "IMAX": ("an IMAX movie", "IMAX movies"),
}
_DECADE_WORDS = {1920: "twenties", 1930: "thirties", 1940: "forties", 1950: "fifties",
                 1960: "sixties", 1970: "seventies", 1980: "eighties", 1990: "nineties"}


class TitleLeakError(AssertionError):
    """A simulated message named the target's title."""


def title_keys(title: str) -> tuple[str, ...]:
    """Normalised forms that must not appear: the full title and the part before " (..."."""
    keys = {normalize_title(title), normalize_title(title.partition(" (")[0])}
    return tuple(k for k in keys if k)


def leaks(message: str, keys: Sequence[str]) -> bool:
    """Whether the normalised message contains any key as a whole-word phrase."""
    text = normalize_title(message)
    return any(re.search(rf"\b{re.escape(key)}\b", text) for key in keys)


def assert_no_leak(message: str, keys: Sequence[str]) -> str:
    """Return ``message``, or raise ``TitleLeakError`` when it names the target."""
    if leaks(message, keys):
        raise TitleLeakError(f"simulated message names the target: {message!r}")
    return message


def decade_forms(year: int) -> tuple[str, ...]:
    """Ways to say the decade of ``year``: "80s", "1980s", "'80s", "eighties"."""
    decade = year // 10 * 10
    if decade < 1920 or decade >= 2000:
        return (f"{decade}s",)
    short = f"{decade % 100:02d}s"
    return short, f"{decade}s", f"'{short}", _DECADE_WORDS[decade]


def genre_forms(genre: str) -> tuple[str, str]:
    """("a thriller", "thrillers") for a genre; unknown genres fall back to their name."""
    name = genre.lower()
    return GENRE_FORMS.get(genre, (f"a {name} movie", f"{name} movies"))


def interleave(first: list, second: list) -> list:
    """``[a0, b0, a1, b1, ...]``, the longer list's tail at the end."""
    out = []
    for i in range(max(len(first), len(second))):
        out += first[i:i + 1] + second[i:i + 1]
    return out


@dataclass(frozen=True)
class UserSpec:
    """One simulated user: a dataset user, a held-out target and the training ratings.

    ``close_likes`` are the training likes, closest to the target (training co-rating
    cosine) first.
    """

    user: str
    target: int
    history: tuple[tuple[int, float], ...]
    close_likes: tuple[int, ...]

    @property
    def likes(self) -> frozenset[int]:
        """Training items rated ``LIKE_RATING`` or more."""
        return frozenset(i for i, r in self.history if r >= LIKE_RATING)


def co_rating_cosine(train: sp.csr_matrix, target: int) -> np.ndarray:
    """Cosine between the target's and every item's column of a users × items 0/1 matrix."""
    column = train[:, target]
    co = np.asarray((train.T @ column).todense()).ravel()
    counts = np.asarray(train.sum(axis=0)).ravel()
    return co / np.sqrt(np.maximum(counts * counts[target], 1.0))


def sample_users(catalog: Catalog, train: pd.DataFrame, test: pd.DataFrame, n: int,
                 seed: int) -> list[UserSpec]:
    """``n`` test users (seeded), each with a random liked test item as target.

    Closeness uses the training interactions only, so no held-out rating leaks in.
    """
    rng = np.random.default_rng(seed)
    liked_test = test[test["rating"] >= LIKE_RATING]
    candidates = np.array(sorted(pd.unique(liked_test["user"])), dtype=object)
    chosen = sorted(rng.choice(candidates.size, size=min(n, candidates.size), replace=False))
    users = pd.Categorical(train["user"])
    binary = sp.csr_matrix((np.ones(len(train), np.float32),
                            (users.codes, train["item"].to_numpy())),
                           shape=(len(users.categories), len(catalog)))
    binary.data[:] = 1.0  # duplicate pairs count once
    by_user = dict(tuple(train.groupby("user", sort=False)))
    targets = liked_test.groupby("user")["item"].apply(sorted)
    specs = []
    for user in candidates[chosen]:
        target = int(rng.choice(targets[user]))
        rows = by_user.get(user, train.iloc[:0])
        history = tuple(zip(rows["item"].astype(int), rows["rating"].astype(float), strict=True))
        likes = np.array([i for i, r in history if r >= LIKE_RATING], dtype=np.int64)
        cosine = co_rating_cosine(binary, target)[likes]
        order = np.lexsort((likes, -cosine))  # closest first, ties by index
        specs.append(UserSpec(str(user), target, history, tuple(int(i) for i in likes[order])))
    return specs


class SimulatedUser:
    """Writes the messages of one conversation and reacts to what is shown."""

    def __init__(self, spec: UserSpec, catalog: Catalog, rng: np.random.Generator) -> None:
        self.spec = spec
        self.catalog = catalog
        self.target_id = catalog.item_ids[spec.target]
        self.keys = title_keys(catalog.titles[spec.target])
        self.rng = rng
        self._likes = {catalog.item_ids[i] for i in spec.likes}

    def plan(self, turns: int) -> list[tuple[str, object]]:
        """The act of every turn: genre, decade, close like, then alternating extras."""
        year = int(self.catalog.years[self.spec.target])
        genres = [str(g) for g in self.rng.permutation(self.catalog.genres[self.spec.target])]
        titles = [i for i in self.spec.close_likes
                  if not leaks(self.catalog.label(i), self.keys)]
        acts = [("genre", g) for g in genres[:1]]
        if year > 0:
            acts.append(("decade", year))
        acts += [("title", i) for i in titles[:1]]
        acts += interleave([("genre", g) for g in genres[1:]], [("title", i) for i in titles[1:]])
        acts += [("more", None)] * turns
        return acts[:turns]

    def say(self, act: str, value: object) -> str:
        """One phrasing of an act that does not name the target (checked)."""
        fill = self._fillers(act, value)
        for template in self.rng.permutation(TEMPLATES[act]):
            message = str(template).format(**fill)
            if not leaks(message, self.keys):
                return assert_no_leak(message, self.keys)
        return assert_no_leak(str(self.rng.choice(TEMPLATES["more"])), self.keys)

    def _fillers(self, act: str, value: object) -> dict[str, str]:
        if act == "genre":
            one, many = genre_forms(str(value))
            return {"one": one, "many": many}
        if act == "decade":
            return {"decade": str(self.rng.choice(decade_forms(int(value))))}
        if act == "title":
            index = int(value)
            with_year = self.rng.random() < 0.3
            return {"title": self.catalog.label(index) if with_year
                    else self.catalog.titles[index]}
        return {}

    def messages(self, turns: int) -> list[str]:
        """Every message of the conversation, decided up front (replies never change words)."""
        return [self.say(act, value) for act, value in self.plan(turns)]

    def react(self, shown: Sequence[str]) -> tuple[list[str], list[str]]:
        """(thumbs up, thumbs down): up on training likes, down on <= 3 other non-targets."""
        ups = [i for i in shown if i in self._likes]
        downs = [i for i in shown if i != self.target_id and i not in self._likes]
        return ups, downs[:MAX_DISLIKES]

    def history_pairs(self) -> list[tuple[str, float]]:
        """Training ratings as (item_id, rating) pairs, for ``import_history``."""
        return [(self.catalog.item_ids[i], r) for i, r in self.spec.history]
