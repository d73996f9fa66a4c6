"""Questions about one item: "what is Gattaca about?", "who is in it?", "is #1 scary?",
"how old is that one?", "how popular was Boogie Nights?", "is the second one any good?".

A question pattern (data, ``chat_acts.toml`` ``[questions]``) names the kind and, in its group
``x``, the words for the item. The item is then a shown pick ("#2", "the last one"), the item in
focus ("it", "that one": position 0) or a catalog title; a pattern whose subject resolves to
none of these is no item question ("is there anything scary?").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from chatrec.domain.catalog import normalize_title
from chatrec.domain.vocabulary import Vocabulary
from chatrec.understand.chat_acts import compile_all, normal, phrases
from chatrec.understand.titles import TitleMatcher, TitleMention

QUESTION_KINDS = ("about", "cast", "content", "age", "popularity", "rating")
SUBJECT_GROUPS = ("x", "y", "z")
EXACT_GROUP = "t"  # a subject that counts only as a whole catalog title ("whats hana bi")
MIN_PREFIX = 2  # letters a title prefix needs ("e.t.")
TITLE_SCORE = 84.0  # a question's subject read as a title needs a close match ("gatacca")
# Words that point at the item in focus ("it", "that one", "this movie").
_POINTERS = frozenset({"it", "its", "it's", "that", "this", "one", "the", "thing", "same",
                       "they", "them", "those", "these", "both", "either",
                       "pick", "choice", "suggestion", "recommendation", "rec", "option", "ur",
                       "your"})
# Words for people, never the start of an item's title in a question ("who made you?").
_PEOPLE = frozenset({"you", "yourself", "u", "ya", "me", "myself", "us", "we", "i", "him",
                     "her", "them", "someone", "somebody", "anyone", "everyone"})
_SENTENCES = re.compile(r"(?<=[.!?;,])\s+")
# Chat filler at the end of a subject ("who's in it then?").
_TRAILING = frozenset({"then", "again", "exactly", "actually", "though", "tho", "anyway", "btw",
                       "please", "pls", "plz", "lol", "really", "now", "there", "here"})


@dataclass(frozen=True)
class ItemQuestion:
    """A question about items: its ``kind`` (one of `QUESTION_KINDS`), the ``aspect`` of a
    content question ("scary", "violent"; "" when none), and what it is about: catalog item
    indices (``targets``) and/or shown positions (``refs``, 0 = the item in focus)."""

    kind: str
    aspect: str = ""
    targets: tuple[int, ...] = ()
    refs: tuple[int, ...] = ()


class QuestionReader:
    """The item-question patterns of one catalog, with its title matcher for subjects."""

    def __init__(self, vocabulary: Vocabulary, titles: TitleMatcher) -> None:
        data = phrases()["questions"]
        self.titles = titles
        self._patterns = [(kind, p) for kind in QUESTION_KINDS
                          for p in compile_all(data[kind], vocabulary)]
        self._aspects = [(name, re.compile(rf"\b({'|'.join(map(re.escape, words))})\b"))
                         for name, words in data["aspects"].items()]
        self._pointers = _POINTERS | frozenset(vocabulary.item_words)

    def read(self, text: str, mentions: Sequence[TitleMention], refs: Sequence[int],
             shown: Sequence[int] = (), named: Sequence[int] = ()) -> ItemQuestion | None:
        """The item question ``text`` asks, or None. ``refs`` are the positions the message
        names; ``shown`` the items on screen (preferred when a subject matches several);
        ``named`` the shown picks the message names by title ("crumb? what is that")."""
        low = normal(text)
        # Each sentence on its own too, so "loved heat. what's it about?" is read from its start.
        parts = [low, *(p.strip() for p in _SENTENCES.split(low) if p.strip() != low.strip())]
        unresolved = False  # words for an item that name none: no falling back to "it"
        for kind, pattern in self._patterns:
            # the first sentence whose subject resolves: "whos in it, madonna?" asks of "it"
            for found in filter(None, map(pattern.search, parts)):
                if EXACT_GROUP in pattern.groupindex:
                    index = self._exact(found.group(EXACT_GROUP))
                    if index is not None:
                        return ItemQuestion(kind, "", (index,))
                    continue
                subject = next((found.group(g) for g in SUBJECT_GROUPS
                                if g in pattern.groupindex and found.group(g)), None)
                if subject is None and unresolved and not (mentions or refs):
                    break  # "is there anything ok for kids?" is a request
                about = self._subject(subject, mentions, refs, shown, named)
                unresolved = unresolved or (about is None and subject is not None)
                if about is not None:
                    aspect = self._aspect(low) if kind == "content" else ""
                    return ItemQuestion(kind, aspect, *about)
        return None

    def _subject(self, subject: str | None, mentions: Sequence[TitleMention],
                 refs: Sequence[int], shown: Sequence[int], picks: Sequence[int] = ()
                 ) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
        """(targets, refs) the subject words point at; None when they point at nothing."""
        named = tuple(dict.fromkeys([*(m.matches[0].index for m in mentions
                                       if not m.ambiguous), *picks]))
        if refs:
            return (), tuple(refs)
        if subject is not None:
            words = subject.split()
            while words and words[-1] in _TRAILING:
                words.pop()
            subject = " ".join(words)
        if subject and subject.split()[0] in _PEOPLE:
            return None  # "who made you?" asks about chatrec, not a title starting "you"
        if subject is None or self._is_pointer(subject):
            return (named, ()) if named else ((), (0,))
        if subject.isdigit() and 0 < int(subject) <= len(shown):
            return (), (int(subject),)  # "is 3 popular?": a position on screen
        if named:
            return named, ()
        index = self._title(subject, shown)
        return None if index is None else ((index,), ())

    def _is_pointer(self, subject: str) -> bool:
        words = re.findall(r"[\w']+", subject)
        return bool(words) and len(words) <= 3 and all(w in self._pointers for w in words) \
            and words != ["the"]

    def _title(self, subject: str, shown: Sequence[int]) -> int | None:
        """The catalog item a subject names: a close match, a shown one first."""
        matches = [m for m in self.titles.match(subject) if m.score >= TITLE_SCORE]
        if not matches:
            return self._by_prefix(subject)
        on_screen = [m for m in matches if m.index in shown]
        return (on_screen or matches)[0].index

    @cached_property
    def _by_title(self) -> dict[str, list[int]]:
        """Catalog items by normalised title, built on the first bare "what's X"."""
        index: dict[str, list[int]] = {}
        for i, key in enumerate(self.titles.catalog.normalized_titles):
            index.setdefault(key, []).append(i)
        return index

    def _exact(self, subject: str) -> int | None:
        """The one catalog item whose whole title the subject is ("hana bi"; no fuzzy match:
        "whats next" is no *The Net*), else None."""
        hits = self._by_title.get(normalize_title(subject), [])
        return hits[0] if len(hits) == 1 else None

    def _by_prefix(self, subject: str) -> int | None:
        """The one title that starts with the subject's words ("e.t." -> *E.T. the
        Extra-Terrestrial*); None when none or several do."""
        key = normalize_title(subject)
        if len(key.replace(" ", "")) < MIN_PREFIX:
            return None
        hits = {t for t in self.titles.catalog.normalized_titles if t.startswith(key + " ")}
        if len(hits) != 1:
            return None
        return self.titles.catalog.normalized_titles.index(hits.pop())

    def _aspect(self, low: str) -> str:
        return next((name for name, pattern in self._aspects if pattern.search(low)), "")
